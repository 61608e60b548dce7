"""Blocking: a person's blocklist and what it stops (direct messages and presence, both ways)."""
