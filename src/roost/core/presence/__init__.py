"""Core: presence."""
