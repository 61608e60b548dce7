"""Core: directory."""
