"""Roost: in-house instant messaging."""

__version__ = "0.1.0"
