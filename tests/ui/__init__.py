"""Browser tests of the walk-through app and fast checks of its screens."""
