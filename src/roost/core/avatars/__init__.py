"""Avatars: one image per person in the file store, for the web client and XMPP clients."""
