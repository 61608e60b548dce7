"""The JSON API and WebSocket event stream (the first transport)."""
