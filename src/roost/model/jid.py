"""XMPP addresses (RFC 7622): ``local@domain/resource`` in canonical form.

The localpart is enforced with the PRECIS UsernameCaseMapped profile (RFC 8265) and may not
contain ``" & ' / : < > @``; the resourcepart with OpaqueString. The domainpart is an IPv6
literal in brackets, or labels: ASCII labels are lower-cased and must be LDH (letters,
digits, hyphens; 1-63 characters, no hyphen at either end); other labels go through Python's
IDNA codec (IDNA2003 nameprep, close to RFC 5895 mapping + IDNA2008 for common names) and
are kept as U-labels, with A-labels (``xn--``) converted to U-labels so both compare equal.
Each part is at most 1023 bytes of UTF-8. ``escape_local``/``unescape_local`` implement
XEP-0106 for turning arbitrary names into localparts and back.

PRECIS enforcement is pure and costs tens of microseconds a part, and the stanzas of a
server name the same addresses again and again: the canonical form of each part of up to
``CACHED_PART_CHARS`` characters is kept in a bounded cache (``PART_CACHE_SIZE`` entries
per kind of part, a few MB at most). Refused input is not cached.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

import precis_i18n

from roost.model.errors import BadRequest

MAX_PART_BYTES = 1023
PART_CACHE_SIZE = 4096
CACHED_PART_CHARS = 128
_MAX_INPUT_CHARS = 8 * MAX_PART_BYTES  # refuse absurd input before PRECIS work
_LOCAL_FORBIDDEN = frozenset("\"&'/:<>@")
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_USERNAME = precis_i18n.get_profile("UsernameCaseMapped")
_OPAQUE = precis_i18n.get_profile("OpaqueString")
# XEP-0106: the characters a localpart cannot hold, and the backslash itself.
_ESCAPES = {" ": "20", '"': "22", "&": "26", "'": "27", "/": "2f", ":": "3a", "<": "3c", ">": "3e", "@": "40"}
_UNESCAPES = {code: char for char, code in _ESCAPES.items()} | {"5c": "\\"}
_ESCAPE_SEQUENCE = re.compile(r"\\(2[0267f]|3[ace]|40|5c)")


def _malformed(detail: str) -> BadRequest:
    return BadRequest("jid.malformed", f"The address is not valid: {detail}.")


@dataclass(frozen=True, slots=True)
class Jid:
    """An address in canonical form; ``local`` and ``resource`` are "" when absent.

    Build one with ``parse`` or ``of``, which enforce RFC 7622; the constructor trusts its
    arguments (use it for parts that are canonical already, such as stored usernames).
    """

    local: str
    domain: str
    resource: str = ""

    @classmethod
    def parse(cls, text: str) -> Jid:
        """Split ``text`` at the first "/" and then the first "@" (RFC 7622 §3.1) and enforce each part.

        Addresses up to ``CACHED_PART_CHARS`` characters are remembered whole (a Jid is
        immutable): the same few thousand come again in every stanza."""
        return _parse_cached(text) if len(text) <= CACHED_PART_CHARS else cls._parse(text)

    @classmethod
    def _parse(cls, text: str) -> Jid:
        if len(text) > _MAX_INPUT_CHARS:
            raise _malformed("it is too long")
        rest, slash, resource = text.partition("/")
        local, at, domain = rest.partition("@")
        if not at:
            local, domain = "", rest
        if slash and not resource:
            raise _malformed("the resource after '/' is empty")
        if at and not local:
            raise _malformed("the name before '@' is empty")
        return cls.of(local, domain, resource)

    @classmethod
    def of(cls, local: str, domain: str, resource: str = "") -> Jid:
        """A Jid from separate parts, each enforced; "" means the part is absent."""
        return cls(
            local=enforce_local(local) if local else "",
            domain=enforce_domain(domain),
            resource=enforce_resource(resource) if resource else "",
        )

    @property
    def bare(self) -> Jid:
        """This address without its resource."""
        return Jid(self.local, self.domain) if self.resource else self

    def __str__(self) -> str:
        text = f"{self.local}@{self.domain}" if self.local else self.domain
        return f"{text}/{self.resource}" if self.resource else text


def _check_length(part: str, what: str) -> str:
    if len(part.encode()) > MAX_PART_BYTES:
        raise _malformed(f"the {what} is longer than {MAX_PART_BYTES} bytes")
    return part


def _enforce_local(text: str) -> str:
    """A localpart in canonical form (UsernameCaseMapped, RFC 7622 §3.3)."""
    try:
        local = _USERNAME.enforce(text)
    except UnicodeError:
        raise _malformed("the name contains a character that is not allowed") from None
    # After enforcement: width mapping turns a full-width "＠" into "@".
    if any(char in _LOCAL_FORBIDDEN for char in local):
        raise _malformed("the name contains one of \" & ' / : < > @")
    return _check_length(local, "name")


def _enforce_resource(text: str) -> str:
    """A resourcepart in canonical form (OpaqueString, RFC 7622 §3.4)."""
    try:
        resource = _OPAQUE.enforce(text)
    except UnicodeError:
        raise _malformed("the resource contains a character that is not allowed") from None
    return _check_length(resource, "resource")


def _enforce_domain(text: str) -> str:
    """A domainpart in canonical form (RFC 7622 §3.2): without a final dot, lower case, U-labels."""
    domain = text[:-1] if text.endswith(".") else text
    if not domain:
        raise _malformed("the domain is empty")
    if domain.startswith("[") and domain.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(domain[1:-1]).compressed}]"
        except ValueError:
            raise _malformed("the IPv6 address is not valid") from None
    return _check_length(".".join(_label(label) for label in domain.split(".")), "domain")


def _label(label: str) -> str:
    if label.isascii():
        label = label.lower()
        if not _LDH_LABEL.fullmatch(label):
            raise _malformed("a domain label is empty or has characters other than letters, digits and '-'")
        if not label.startswith("xn--"):
            return label
    try:
        unicode_label = label.encode("idna").decode("idna")
    except UnicodeError:
        raise _malformed("a domain label is not a valid internationalised name") from None
    return _label(unicode_label) if unicode_label.isascii() and unicode_label != label else unicode_label


def escape_local(name: str) -> str:
    """XEP-0106: a name with spaces, "@", "/" and the like as a localpart (``d\\27artagnan``)."""
    if name != name.strip(" "):
        raise BadRequest("jid.escape", "A name may not begin or end with a space.")
    escaped = _ESCAPE_SEQUENCE.sub(r"\\5c\1", name)  # only a backslash that looks like an escape
    return "".join(f"\\{_ESCAPES[char]}" if char in _ESCAPES else char for char in escaped)


def unescape_local(local: str) -> str:
    """XEP-0106: the name a localpart stands for (``d\\27artagnan`` -> ``d'artagnan``)."""
    return _ESCAPE_SEQUENCE.sub(lambda match: _UNESCAPES[match.group(1)], local)


def _cached(enforce: Callable[[str], str]) -> Callable[[str], str]:
    remembered = functools.lru_cache(maxsize=PART_CACHE_SIZE)(enforce)

    def cached(text: str) -> str:
        return remembered(text) if len(text) <= CACHED_PART_CHARS else enforce(text)

    cached.__doc__ = enforce.__doc__
    return cached


_parse_cached = functools.lru_cache(maxsize=PART_CACHE_SIZE)(Jid._parse)
enforce_local = _cached(_enforce_local)
enforce_resource = _cached(_enforce_resource)
enforce_domain = _cached(_enforce_domain)
