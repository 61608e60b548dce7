"""The server's rules, free of any protocol."""
