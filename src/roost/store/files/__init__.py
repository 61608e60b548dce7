"""File bytes on disk: the staging area for uploads and the content-addressed blob store."""
