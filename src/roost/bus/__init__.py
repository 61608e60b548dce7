"""Event distribution between core services and live sessions (one node or several)."""
