"""Core: routing."""
