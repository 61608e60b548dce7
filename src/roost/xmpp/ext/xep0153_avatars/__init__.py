"""XEP-0153: vCard-Based Avatars over XEP-0084 PEP avatars (the extension and the photo hashes)."""
