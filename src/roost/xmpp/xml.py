"""Writing XMPP XML: elements without namespace prefixes, and the stream header.

Every element whose namespace differs from its parent's carries a default ``xmlns``
declaration, so no element ever gets a prefix (RFC 6120 §4.8.5; no ``ns0:``). Names in the
XML namespace are written ``xml:lang``, ``xml:space``; attributes in any other namespace get
a prefix (``a0``, ``a1``...) declared on their element, since an attribute cannot use the
default namespace. Stanzas relayed from one client to others are re-serialised, so
``serialize`` accepts every element the stream parser produces.

Characters XML 1.0 cannot carry (controls other than tab, newline and carriage return,
lone surrogates, U+FFFE, U+FFFF) are removed from text and attribute values. The parser never
produces them; they can only come from non-XML input such as the JSON API. Refusing them here
would make one message undeliverable to every XMPP client and writing them would make the
receiving client drop its stream, so they are dropped.
"""

from __future__ import annotations

import functools
import re
import secrets
import xml.etree.ElementTree as ET

CLIENT_NS = "jabber:client"
STREAM_NS = "http://etherx.jabber.org/streams"
XML_NS = "http://www.w3.org/XML/1998/namespace"
STREAM_CLOSE = b"</stream:stream>"

_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# "\r" is escaped in text, and tab and newlines in attributes, so they survive the
# receiver's end-of-line and attribute-value normalisation.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&apos;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


# Values with nothing to remove or escape (nearly all: addresses, ids, most text) are
# written as they are, after one scan.
_PLAIN_TEXT = re.compile("[\t\n\x20-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
_PLAIN_ATTR = re.compile("[\x20\x21\x23-\x25\x28-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


def escape_text(value: str) -> str:
    """``value`` as XML character data."""
    if _PLAIN_TEXT.fullmatch(value):
        return value
    return _NOT_XML_CHAR.sub("", value).translate(_TEXT_ESCAPES)


def escape_attr(value: str) -> str:
    """``value`` for an attribute value in either quote style."""
    if _PLAIN_ATTR.fullmatch(value):
        return value
    return _NOT_XML_CHAR.sub("", value).translate(_ATTR_ESCAPES)


def element(
    tag: str, attrs: dict[str, str] | None = None, *children: ET.Element, text: str | None = None
) -> ET.Element:
    """A new element: ``element("{jabber:client}iq", {"type": "result"}, child, text=None)``."""
    node = ET.Element(tag, attrs or {})
    node.text = text
    node.extend(children)
    return node


def serialize(element: ET.Element, *, parent_namespace: str = CLIENT_NS) -> bytes:
    """``element`` (not its tail) as UTF-8 XML, as a child of an element in ``parent_namespace``."""
    if isinstance(element, Prewritten) and (written := element.written(parent_namespace)) is not None:
        return written
    parts: list[str] = []
    _write(parts, element, parent_namespace)
    return "".join(parts).encode()


class Prewritten(ET.Element):
    """An element that may already know its serialised form (while nothing changed it)."""

    __slots__ = ()

    def written(self, parent_namespace: str) -> bytes | None:
        """The element as a child of an element in ``parent_namespace``, or None: serialise it."""
        raise NotImplementedError


class SharedStanza:
    """One stanza for many recipients that differ only in ``to`` (a room's message to its occupants).

    ``addressed(to)`` gives each recipient its own element, to pass through its session's
    layers like any other; ``serialize`` writes it from text made once per parent namespace,
    with only ``to`` escaped per recipient. The children are the shared element's own, the
    same objects in every copy: nobody may change them (a copy whose own attributes, text
    or list of children changed is serialised in full).
    """

    def __init__(self, element: ET.Element) -> None:
        self.element = element  # with a ``to`` attribute, whose place the copies keep
        self.children = list(element)
        self._wire: dict[str, tuple[bytes, bytes] | None] = {}

    def addressed(self, to: str) -> Addressed:
        """The stanza for one recipient."""
        attributes = self.element.attrib.copy()
        attributes["to"] = to
        stanza = Addressed(self.element.tag, attributes)  # the element copies the dict
        stanza.text = self.element.text
        stanza.extend(self.children)
        stanza.shared, stanza.attributes = self, attributes
        return stanza

    def wire(self, parent_namespace: str) -> tuple[bytes, bytes] | None:
        """The serialised stanza before and after the value of ``to``."""
        if parent_namespace not in self._wire:
            marker = "to-" + secrets.token_hex(12)
            probe = self.addressed(marker)
            probe.shared = None
            parts = serialize(probe, parent_namespace=parent_namespace).split(marker.encode())
            self._wire[parent_namespace] = (parts[0], parts[1]) if len(parts) == 2 else None
        return self._wire[parent_namespace]


class Addressed(Prewritten):
    """A `SharedStanza`'s copy for one recipient."""

    __slots__ = ("attributes", "shared")  # no per-copy __dict__: one is made for every delivery
    shared: SharedStanza | None
    attributes: dict[str, str]  # as made: a layer that changes them gets a full serialisation

    def written(self, parent_namespace: str) -> bytes | None:
        """The serialised stanza from the shared text, or None if this copy was changed."""
        shared = self.shared
        if (
            shared is None
            or self.tag != shared.element.tag
            or self.attrib != self.attributes
            or self.text != shared.element.text
            or self[:] != shared.children  # the same child objects (elements compare by identity)
        ):
            return None
        wire = shared.wire(parent_namespace)
        return None if wire is None else wire[0] + _escaped_address(self.attributes["to"]) + wire[1]


class Templated(Prewritten):
    """An element whose maker also wrote it out (from a template: the hot path of 1:1 chat).

    ``serialize`` takes ``wire`` (the element as a child of a ``jabber:client`` element)
    while the element is as made: the same attributes, text and child objects. A layer that
    changes it gets a full serialisation. Like `SharedStanza`'s, the children are not changed.
    """

    __slots__ = ("made", "wire")
    made: tuple[dict[str, str], list[ET.Element]]
    wire: bytes

    def written(self, parent_namespace: str) -> bytes | None:
        attributes, children = self.made
        if parent_namespace != CLIENT_NS or self.text or self.attrib != attributes or self[:] != children:
            return None
        return self.wire


@functools.lru_cache(maxsize=8192)
def _escaped_address(value: str) -> bytes:
    """A recipient's address as an attribute value: the same few thousand sessions, message after message."""
    return escape_attr(value).encode()


def stream_header(*, from_: str, id_: str, to: str | None, version: str = "1.0", lang: str = "en") -> bytes:
    """The XML declaration and ``<stream:stream>`` start tag a server sends to a client."""
    attrs = {"from": from_, "id": id_, "to": to, "version": version, "xml:lang": lang}
    written = "".join(f" {name}='{escape_attr(value)}'" for name, value in attrs.items() if value is not None)
    return f"<?xml version='1.0'?><stream:stream xmlns='{CLIENT_NS}' xmlns:stream='{STREAM_NS}'{written}>".encode()


@functools.lru_cache(maxsize=4096)  # tags and attribute names: a small set, written again and again
def _split(name: str) -> tuple[str, str]:
    """``{ns}local`` as (ns, local); a name without a namespace has ns ""."""
    if name.startswith("{"):
        namespace, _, local = name[1:].partition("}")
        return namespace, local
    return "", name


@functools.lru_cache(maxsize=4096)  # (tag, parent namespace): a small set, written again and again
def _tag_parts(tag: str, parent_namespace: str) -> tuple[str, str, str]:
    """The start tag's beginning (name and any namespace declaration), the end tag, the namespace."""
    namespace, local = _split(tag)
    if namespace == XML_NS:
        name, namespace, declaration = f"xml:{local}", parent_namespace, ""
    elif namespace == parent_namespace:
        name, declaration = local, ""
    else:
        name, declaration = local, f' xmlns="{escape_attr(namespace)}"'
    return f"<{name}{declaration}", f"</{name}>", namespace


def _write(parts: list[str], node: ET.Element, parent_namespace: str) -> None:
    start, end, namespace = _tag_parts(node.tag, parent_namespace)
    attrib = node.attrib
    parts.append(start + _attributes(attrib) if attrib else start)
    text = node.text
    if not text and len(node) == 0:
        parts.append("/>")
        return
    parts.append(">")
    if text:
        parts.append(escape_text(text))
    for child in node:
        _write(parts, child, namespace)
        if child.tail:
            parts.append(escape_text(child.tail))
    parts.append(end)


def _attributes(attrib: dict[str, str]) -> str:
    """Attributes, with a prefix declared for each namespace other than the XML namespace."""
    written: list[str] = []
    prefixes: dict[str, str] | None = None
    for key, value in attrib.items():
        if key[0] != "{":  # no namespace: nearly every attribute
            if key == "xmlns" or key.startswith("xmlns:"):
                raise ValueError("namespaces go in the tag, in Clark notation, not in an xmlns attribute")
            name = key
        else:
            namespace, local = _split(key)
            if namespace == XML_NS:
                name = f"xml:{local}"
            else:
                prefixes = prefixes if prefixes is not None else {}
                name = f"{prefixes.setdefault(namespace, f'a{len(prefixes)}')}:{local}"
        written.append(f' {name}="{escape_attr(value)}"')
    if prefixes:
        written[:0] = [f' xmlns:{prefix}="{escape_attr(namespace)}"' for namespace, prefix in prefixes.items()]
    return "".join(written)
