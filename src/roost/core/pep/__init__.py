"""Personal storage: PEP nodes (XEP-0163) and private documents (XEP-0049)."""
