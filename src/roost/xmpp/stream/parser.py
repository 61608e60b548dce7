"""Incremental parser for RFC 6120 client streams: bytes in, stream events out.

Built on expat with namespace processing. It refuses what restricted XML (RFC 6120 §11.1)
forbids, anything that is not UTF-8, oversize stanzas and deep nesting, each with the
stream error condition of RFC 6120 §4.9.3. Expat keeps tokenising the rest of the input it
was given after a handler raises, so input reaches expat in bounded blocks: before the
stream header each block ends at a ``>`` (a DOCTYPE is refused before its declarations are
read, let alone expanded); after it, blocks of ``BLOCK_BYTES``.

Every block is checked with Python's strict UTF-8 decoder before expat sees it, so corrupt
UTF-8 anywhere (and a UTF-16 byte-order mark) is ``unsupported-encoding`` ("not encoded in
UTF-8", RFC 6120 §11.6), never expat's "invalid token"; NUL bytes before the stream header
mean UTF-16 or UTF-32 without a byte-order mark and get the same condition.
"""

from __future__ import annotations

import codecs
import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import NoReturn
from xml.parsers import expat
from xml.parsers.expat import errors as expat_errors

STREAM_NS = "http://etherx.jabber.org/streams"
CLIENT_NS = "jabber:client"
BLOCK_BYTES = 4096

# A complete start, end or empty-element tag; ">" may appear inside quoted attribute values.
_TAG = re.compile(rb"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_RESTRICTED_ERRORS = frozenset(
    expat_errors.codes[message]
    for message in (
        expat_errors.XML_ERROR_UNDEFINED_ENTITY,
        expat_errors.XML_ERROR_RECURSIVE_ENTITY_REF,
        expat_errors.XML_ERROR_PARAM_ENTITY_REF,
        expat_errors.XML_ERROR_BINARY_ENTITY_REF,
        expat_errors.XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF,
        expat_errors.XML_ERROR_EXTERNAL_ENTITY_HANDLING,
    )
)
_ENCODING_ERRORS = frozenset(
    expat_errors.codes[message]
    for message in (expat_errors.XML_ERROR_UNKNOWN_ENCODING, expat_errors.XML_ERROR_INCORRECT_ENCODING)
)
_UTF8_ONLY = "The stream must be encoded in UTF-8."
_RESTRICTED = "DTDs, comments, processing instructions and entities are not allowed."


@dataclass(frozen=True, slots=True)
class StreamOpened:
    """The peer opened a stream; ``attrs`` keys are in Clark notation (``{ns}lang``)."""

    attrs: dict[str, str]
    namespace: str


@dataclass(frozen=True, slots=True)
class StanzaReceived:
    """A complete top-level child of the stream and the bytes it took on the wire."""

    element: ET.Element
    size: int


@dataclass(frozen=True, slots=True)
class StreamClosed:
    """The peer sent ``</stream:stream>``."""


StreamEvent = StreamOpened | StanzaReceived | StreamClosed


class XmlStreamError(Exception):
    """A fatal stream error; ``condition`` is an RFC 6120 §4.9.3 name, ``text`` is safe to send."""

    def __init__(self, condition: str, text: str = "") -> None:
        super().__init__(f"{condition}: {text}" if text else condition)
        self.condition = condition
        self.text = text


@functools.lru_cache(maxsize=4096)  # the few names streams use, again and again; bounded
def _clark(name: str) -> str:
    """Expat's ``uri local [prefix]`` name as ``{uri}local``."""
    parts = name.split(" ")
    return f"{{{parts[0]}}}{parts[1]}" if len(parts) > 1 else name


def _clark_attrs(attrs: dict[str, str]) -> dict[str, str]:
    return {_clark(key): value for key, value in attrs.items()}


def _on_restricted(*_args: object) -> NoReturn:
    raise XmlStreamError("restricted-xml", _RESTRICTED)


def _from_expat(error: expat.ExpatError) -> XmlStreamError:
    if error.code in _RESTRICTED_ERRORS:
        return XmlStreamError("restricted-xml", _RESTRICTED)
    if error.code in _ENCODING_ERRORS:
        return XmlStreamError("unsupported-encoding", _UTF8_ONLY)
    return XmlStreamError("not-well-formed", "The XML is not well-formed.")


class StreamParser:
    """Turns the bytes of one connection into ``StreamEvent``s, one stream at a time.

    ``max_stanza_bytes`` bounds the bytes of each top-level child (and of the stream header),
    counted as they arrive; the connection may raise it after authentication. ``max_depth``
    bounds nesting inside a stanza: the stanza itself is level 1. A fatal error is sticky:
    every later ``feed``, after ``reset`` too, raises it again.
    """

    def __init__(self, *, max_stanza_bytes: int, max_depth: int = 32) -> None:
        self.max_stanza_bytes = max_stanza_bytes
        self.max_depth = max_depth
        self._error: XmlStreamError | None = None
        self.reset()

    def reset(self) -> None:
        """Expect a new stream header (after STARTTLS or SASL success); drop unparsed input."""
        self._expat = self._new_expat()
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._events: list[StreamEvent] = []
        self._builder: ET.TreeBuilder | None = None
        self._depth = 0  # open elements, the stream element included
        self._opened = False
        self._default_namespace: str | None = None
        self._fed = 0  # stream offset where the next block starts
        self._block = memoryview(b"")
        self._block_start = 0
        self._boundary = 0  # where the bytes not yet part of a finished event begin
        self._stanza_start = 0
        self._stanza_end: int | None = None  # known at the start when the stanza is an empty tag

    @property
    def is_between_stanzas(self) -> bool:
        """The stream is open and no stanza is partly read (framed transports check each message)."""
        return self._opened and self._depth == 1

    @property
    def has_unfinished_input(self) -> bool:
        """Bytes were fed after the last complete event (or whitespace between stanzas)."""
        return self._fed > self._boundary

    def feed(self, data: bytes) -> list[StreamEvent]:
        """Parse more bytes; return the events they complete, or raise ``XmlStreamError``."""
        if self._error is not None:
            raise self._error
        try:
            self._feed_blocks(data)
        except XmlStreamError as error:
            self._error = error
            raise
        except expat.ExpatError as error:
            self._error = _from_expat(error)
            raise self._error from None
        events, self._events = self._events, []
        return events

    def _new_expat(self) -> expat.XMLParserType:
        # An explicit encoding makes expat ignore the XML declaration's; _on_xml_decl checks it.
        parser = expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")
        parser.namespace_prefixes = True  # names arrive as "uri local prefix"
        parser.StartElementHandler = self._on_start
        parser.EndElementHandler = self._on_end
        parser.CharacterDataHandler = self._on_text
        parser.StartNamespaceDeclHandler = self._on_namespace
        parser.XmlDeclHandler = self._on_xml_decl
        parser.StartDoctypeDeclHandler = _on_restricted
        parser.EntityDeclHandler = _on_restricted
        parser.CommentHandler = _on_restricted
        parser.ProcessingInstructionHandler = _on_restricted
        return parser

    def _feed_blocks(self, data: bytes) -> None:
        start = 0
        while start < len(data):
            if self._opened:
                end = min(start + BLOCK_BYTES, len(data))
            else:
                end = data.find(b">", start) + 1 or len(data)
                if b"\x00" in data[start:end]:  # UTF-16 or UTF-32 without a byte-order mark
                    raise XmlStreamError("unsupported-encoding", _UTF8_ONLY)
            self._parse_block(memoryview(data)[start:end])
            start = end

    def _parse_block(self, block: memoryview) -> None:
        try:
            self._decoder.decode(block)
        except UnicodeDecodeError:
            # A UTF-16 byte-order mark, another encoding or corrupt UTF-8: all "not UTF-8".
            raise XmlStreamError("unsupported-encoding", _UTF8_ONLY) from None
        self._block, self._block_start = block, self._fed
        self._fed += len(block)
        self._expat.Parse(block, False)
        if self._fed - self._boundary > self.max_stanza_bytes:
            raise XmlStreamError("policy-violation", "The stanza is too large.")

    def _tag_end(self, index: int) -> tuple[int, bool]:
        """Where the tag that starts at stream offset ``index`` ends, and whether it is empty."""
        local = index - self._block_start
        if local >= 0:
            buffer: bytes | memoryview = self._block
        else:  # the tag began in an earlier block; expat still holds all of it
            buffer, local = self._expat.GetInputContext() or b"", 0
        match = _TAG.match(buffer, local)
        assert match is not None, "expat reports complete tags only"
        return index + match.end() - local, buffer[match.end() - 2] == ord("/")

    # -- expat handlers ---------------------------------------------------------------------

    def _on_xml_decl(self, _version: str, encoding: str | None, _standalone: int) -> None:
        if encoding is not None and encoding.lower() != "utf-8":
            raise XmlStreamError("unsupported-encoding", _UTF8_ONLY)

    def _on_namespace(self, prefix: str | None, uri: str) -> None:
        if self._depth == 0 and prefix is None:
            self._default_namespace = uri

    def _on_start(self, name: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        if self._depth == 1:
            self._open_stream(name, attrs)
            return
        if self._depth - 1 > self.max_depth:
            raise XmlStreamError("policy-violation", "The XML is nested too deeply.")
        if self._depth == 2:
            self._stanza_start = self._boundary = self._expat.CurrentByteIndex
            end, empty = self._tag_end(self._stanza_start)
            self._stanza_end = end if empty else None
            self._builder = ET.TreeBuilder()
        assert self._builder is not None
        self._builder.start(_clark(name), _clark_attrs(attrs))

    def _open_stream(self, name: str, attrs: dict[str, str]) -> None:
        namespace, _, rest = name.partition(" ")
        local, _, prefix = rest.partition(" ")
        if local != "stream":
            raise XmlStreamError("bad-format", "The stream must start with <stream:stream>.")
        if namespace != STREAM_NS:
            raise XmlStreamError("invalid-namespace", f"The stream namespace must be {STREAM_NS}.")
        if prefix != "stream":
            raise XmlStreamError("bad-namespace-prefix", "The stream element must use the prefix 'stream'.")
        if self._default_namespace != CLIENT_NS:
            raise XmlStreamError("invalid-namespace", f"The content namespace must be {CLIENT_NS}.")
        self._boundary, _ = self._tag_end(self._expat.CurrentByteIndex)
        self._opened = True
        self._events.append(StreamOpened(attrs=_clark_attrs(attrs), namespace=CLIENT_NS))

    def _on_end(self, name: str) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._events.append(StreamClosed())
            return
        assert self._builder is not None
        self._builder.end(_clark(name))
        if self._depth == 1:
            self._finish_stanza(self._builder)

    def _finish_stanza(self, builder: ET.TreeBuilder) -> None:
        end = self._stanza_end
        if end is None:
            end, _ = self._tag_end(self._expat.CurrentByteIndex)
        size = end - self._stanza_start
        if size > self.max_stanza_bytes:
            raise XmlStreamError("policy-violation", "The stanza is too large.")
        self._boundary = end
        self._builder = None
        self._events.append(StanzaReceived(element=builder.close(), size=size))

    def _on_text(self, data: str) -> None:
        if self._builder is not None:
            self._builder.data(data)
        elif data.strip(" \t\r\n"):
            raise XmlStreamError("bad-format", "Text is not allowed between stanzas.")
        else:  # a whitespace keepalive; "\r\n" arrives as "\n", so this may lag a byte or two
            self._boundary = self._expat.CurrentByteIndex + len(data)
