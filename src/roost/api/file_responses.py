"""Serving user files safely: byte ranges, caching, and headers that keep them inert.

An uploaded file must never run as a page of the Roost origin. Every file response
carries `nosniff` and a sandboxing Content-Security-Policy; only a short list of image,
audio and video types is shown inline, everything else (HTML, SVG, PDF, ...) is an
attachment.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from roost.model.files import StoredFile

INLINE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "audio/webm",
        "audio/aac",
        "audio/mp4",
        "video/mp4",
        "video/webm",
        "video/ogg",
    }
)
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
Reader = Callable[[StoredFile, int, int], AsyncIterator[bytes]]
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(Exception):
    """The Range header asks for bytes the file does not have."""


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # exclusive


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """One `bytes=` range (RFC 9110 §14.1.2); None serves the whole file (absent, or several ranges)."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None  # several ranges or another unit: a server may answer with the whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = min(int(last), size)
        if length == 0:
            raise RangeNotSatisfiable
        return ByteRange(size - length, size)
    start = int(first)
    if start >= size:
        raise RangeNotSatisfiable
    end = size if not last else min(int(last) + 1, size)
    if end <= start:
        return None  # last < first: invalid, ignore it
    return ByteRange(start, end)


def declared_length(request: Request) -> int | None:
    """Content-Length, read from the request rather than declared: HTTP framing, not an API parameter."""
    value = request.headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def content_disposition(name: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback name plus the UTF-8 name, both safely quoted."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in name) or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_headers(file: StoredFile) -> dict[str, str]:
    inline = file.content_type in INLINE_TYPES
    return {
        "content-type": file.content_type if inline else _download_type(file.content_type),
        "content-disposition": content_disposition(file.name, inline=inline),
        "content-security-policy": FILE_CSP,
        "cross-origin-resource-policy": "same-origin",
        "accept-ranges": "bytes",
        "etag": f'"{file.sha256}"',
        "cache-control": "private, max-age=86400",
    }


def _download_type(content_type: str) -> str:
    # Attachments keep their type (a browser saves them either way), except markup, which is
    # served as bytes in case some agent ignores Content-Disposition.
    markup = ("html", "xml", "svg", "javascript", "ecmascript")
    return "application/octet-stream" if any(word in content_type for word in markup) else content_type


def serve_file(request: Request, file: StoredFile, body: AsyncIterator[bytes] | None, start: int, end: int) -> Response:
    """A 200, 206 or 304 for `file`; `body` yields bytes `start`..`end` (None for HEAD and 304)."""
    headers = file_headers(file)
    if request.headers.get("if-none-match") == headers["etag"]:
        return Response(status_code=304, headers=headers)
    partial = (start, end) != (0, file.size)
    headers["content-length"] = str(end - start)
    if partial:
        headers["content-range"] = f"bytes {start}-{end - 1}/{file.size}"
    status = 206 if partial else 200
    if body is None:
        return Response(status_code=status, headers=headers)
    return StreamingResponse(body, status_code=status, headers=headers)


def requested_range(request: Request, file: StoredFile) -> ByteRange:
    """The range to send: the Range header's unless If-Range names another version."""
    if_range = request.headers.get("if-range")
    header = request.headers.get("range")
    if if_range is not None and if_range != f'"{file.sha256}"':
        header = None
    return parse_range(header, file.size) or ByteRange(0, file.size)


def not_satisfiable(file: StoredFile) -> Response:
    headers = {"content-range": f"bytes */{file.size}", "content-security-policy": FILE_CSP}
    return Response(status_code=416, headers=headers)


def file_response(request: Request, file: StoredFile, read: Reader) -> Response:
    """Answer a GET or HEAD for `file`, honouring Range, If-Range and If-None-Match."""
    try:
        span = requested_range(request, file)
    except RangeNotSatisfiable:
        return not_satisfiable(file)
    body = None if request.method == "HEAD" else read(file, span.start, span.end)
    return serve_file(request, file, body, span.start, span.end)
