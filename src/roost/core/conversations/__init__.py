"""Core: conversations."""
