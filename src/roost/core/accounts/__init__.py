"""Core: accounts."""
