"""Core: files."""
