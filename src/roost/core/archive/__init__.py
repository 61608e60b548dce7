"""Core: archive."""
