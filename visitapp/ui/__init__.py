"""The walk-through app (Flet). The only package that imports flet."""
