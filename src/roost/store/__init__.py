"""Persistence: narrow protocols per area, and their SQL implementation."""
