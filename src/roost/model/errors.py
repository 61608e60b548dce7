"""Errors every layer raises; each transport maps them in one table."""

from __future__ import annotations


class RoostError(Exception):
    """A failure whose `message` is safe to show to the client; `code` is stable and dotted."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class BadRequest(RoostError):
    """The request is malformed or breaks a rule."""


class UnsupportedType(BadRequest):
    """The content is not of a type this operation takes (an avatar that is not an image)."""


class NotAuthorized(RoostError):
    """The caller is not authenticated (or the credentials are wrong)."""


class Forbidden(RoostError):
    """The caller is known but may not do this."""


class NotFound(RoostError):
    """The object does not exist, or the caller may not know that it does."""


class Conflict(RoostError):
    """The object already exists or changed under the caller."""


class LengthRequired(RoostError):
    """A streamed request must say its length first."""


class TooLarge(RoostError):
    """A configured size limit was exceeded."""


class StorageFull(RoostError):
    """The server's disk (or the organisation's storage quota) has no room left."""


class RateLimited(RoostError):
    """Too many attempts; retry after `retry_after` seconds."""

    def __init__(self, code: str, message: str, retry_after: float) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


class Unavailable(RoostError):
    """The server cannot do this right now (shutting down, backend down)."""
