"""XMPP transport: client-to-server streams over TCP, TLS and WebSocket."""
