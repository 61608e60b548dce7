"""The admin command line: a thin wrapper over core/admin."""
