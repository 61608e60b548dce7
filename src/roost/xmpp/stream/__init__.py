"""XML streams (RFC 6120 §4): parsing, serialising, negotiation."""
