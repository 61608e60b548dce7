"""Push: which app servers wake a person's sleeping clients (XEP-0357). Nothing is sent yet."""
