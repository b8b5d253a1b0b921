"""visitapp: the offline field app for urgent and emergency care peer visits."""

__version__ = "0.1.0"
