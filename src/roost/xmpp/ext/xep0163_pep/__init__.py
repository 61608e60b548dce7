"""XEP-0163: Personal Eventing Protocol (the extension, its XEP-0060 forms and notifications)."""
