"""One table from core errors to XMPP stanza errors (RFC 6120 §8.3), and the error stanzas."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.model.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    LengthRequired,
    NotAuthorized,
    NotFound,
    RateLimited,
    RoostError,
    StorageFull,
    TooLarge,
    Unavailable,
)

STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
STREAMS_NS = "urn:ietf:params:xml:ns:xmpp-streams"

# error class -> (type, defined condition)
CONDITIONS: dict[type[RoostError], tuple[str, str]] = {
    BadRequest: ("modify", "bad-request"),
    LengthRequired: ("modify", "bad-request"),
    NotAuthorized: ("auth", "not-authorized"),
    Forbidden: ("auth", "forbidden"),
    NotFound: ("cancel", "item-not-found"),
    Conflict: ("cancel", "conflict"),
    TooLarge: ("modify", "not-acceptable"),
    RateLimited: ("wait", "resource-constraint"),
    StorageFull: ("wait", "resource-constraint"),
    Unavailable: ("wait", "service-unavailable"),
}


BLOCKING_ERRORS_NS = "urn:xmpp:blocking:errors"
# Core errors whose XMPP condition is not their class's, by code: (type, condition, with the core's text)
BY_CODE: dict[str, tuple[str, str, bool]] = {
    "block.blocked": ("cancel", "service-unavailable", False),  # XEP-0191 §3.5: tell the blocked nothing
    "block.blocking": ("cancel", "not-acceptable", True),  # XEP-0191 §3.6, with <blocked/>
}


class StanzaError(Exception):
    """Answer the stanza with this error (type and RFC 6120 §8.3.3 condition)."""

    def __init__(self, kind: str, condition: str, text: str = "", *, detail: ET.Element | None = None) -> None:
        super().__init__(text or condition)
        self.kind = kind
        self.condition = condition
        self.text = text
        self.detail = detail  # an application-specific condition (RFC 6120 §8.3.4)


class StreamError(Exception):
    """Close the stream with this RFC 6120 §4.9.3 condition."""

    def __init__(self, condition: str, text: str = "") -> None:
        super().__init__(text or condition)
        self.condition = condition
        self.text = text


def from_roost_error(error: RoostError) -> StanzaError:
    if error.code in BY_CODE:
        error_type, condition, with_text = BY_CODE[error.code]
        detail = ET.Element(f"{{{BLOCKING_ERRORS_NS}}}blocked") if error.code == "block.blocking" else None
        return StanzaError(error_type, condition, error.message if with_text else "", detail=detail)
    for kind in type(error).__mro__:
        if kind in CONDITIONS:
            error_type, condition = CONDITIONS[kind]
            return StanzaError(error_type, condition, error.message)
    return StanzaError("cancel", "undefined-condition", error.message)


ECHO_MAX_CHARS = 4096  # an error echoes the payload of a stanza with at most this much text


def _text_size(stanza: ET.Element) -> int:
    return sum(len(element.text or "") + len(element.tail or "") for element in stanza.iter())


def error_reply(
    stanza: ET.Element, error: StanzaError, *, own_jid: str | None = None, sender: str | None = None
) -> ET.Element:
    """The stanza turned back to its sender with an <error/> child (RFC 6120 §8.3.1), from its
    addressee or from `sender` (the server's domain when the addressee is no valid JID)."""
    reply = ET.Element(stanza.tag, {k: v for k, v in stanza.attrib.items() if k not in ("to", "from", "type")})
    reply.set("type", "error")
    if stanza.get("from") or own_jid:
        reply.set("to", stanza.get("from") or own_jid or "")
    addressee = sender or stanza.get("to")
    if addressee:
        reply.set("from", addressee)
    if not stanza.tag.endswith("}iq") and _text_size(stanza) <= ECHO_MAX_CHARS:
        reply.extend(list(stanza))  # a message or presence error may echo the payload; not a huge one
    failure = ET.SubElement(reply, stanza.tag.split("}")[0] + "}error", {"type": error.kind})
    ET.SubElement(failure, f"{{{STANZAS_NS}}}{error.condition}")
    if error.text:
        ET.SubElement(failure, f"{{{STANZAS_NS}}}text").text = error.text
    if error.detail is not None:
        failure.append(error.detail)
    return reply


def stream_error_bytes(condition: str, text: str = "", *, declare_prefix: bool = False) -> bytes:
    """A <stream:error/> (the stream closes after it); framed alone (RFC 7395) it declares its prefix."""
    inner = f"<{condition} xmlns='{STREAMS_NS}'/>"
    if text:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        inner += f"<text xmlns='{STREAMS_NS}'>{escaped}</text>"
    declaration = " xmlns:stream='http://etherx.jabber.org/streams'" if declare_prefix else ""
    return f"<stream:error{declaration}>{inner}</stream:error>".encode()
