"""XEP-0060 node configuration as XEP-0004 forms (publish-options, configure), and pubsub errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from roost.model.pep import Access, NodeConfig, NodeOptions, SendLast
from roost.xmpp.errors import StanzaError

DATA = "jabber:x:data"
PUBSUB = "http://jabber.org/protocol/pubsub"
ERRORS = f"{PUBSUB}#errors"
NODE_CONFIG = f"{PUBSUB}#node_config"
PUBLISH_OPTIONS = f"{PUBSUB}#publish-options"
TRUE, FALSE = ("1", "true"), ("0", "false")
# Accepted and not kept: what every node here does anyway, or only a label.
IGNORED = {
    "FORM_TYPE",
    "pubsub#title",
    "pubsub#type",
    "pubsub#deliver_payloads",
    "pubsub#deliver_notifications",
    "pubsub#notification_type",
    "pubsub#presence_based_delivery",
}


class OptionError(ValueError):
    """A field this server does not support, or a value it does not take."""


def pubsub_error(kind: str, condition: str, detail: str, text: str = "", **attrs: str) -> StanzaError:
    """A stanza error with an XEP-0060 application condition (`<precondition-not-met/>`, ...)."""
    return StanzaError(kind, condition, text, detail=ET.Element(f"{{{ERRORS}}}{detail}", attrs))


def values(form: ET.Element) -> dict[str, str]:
    """A submitted form's fields (the first value of each)."""
    found = {}
    for each in form.findall(f"{{{DATA}}}field"):
        found[each.get("var", "")] = (each.findtext(f"{{{DATA}}}value") or "").strip()
    return found


def options(form: ET.Element | None, max_items: int) -> NodeOptions:
    """The settings a submitted form asks for; OptionError for one this server does not know."""
    if form is None:
        return NodeOptions()
    asked = values(form)
    unknown = set(asked) - IGNORED - set(_PARSERS)
    if unknown:
        raise OptionError(sorted(unknown)[0])
    parsed = {attr: parse(asked[var], max_items) for var, (attr, parse) in _PARSERS.items() if var in asked}
    return NodeOptions(**parsed)  # type: ignore[arg-type]


def _access(value: str, _max: int) -> Access:
    try:
        return Access(value)
    except ValueError:
        raise OptionError("pubsub#access_model") from None


def _bool(value: str, _max: int) -> bool:
    if value in TRUE + FALSE:
        return value in TRUE
    raise OptionError("boolean")


def _max_items(value: str, max_items: int) -> int:
    if value == "max":
        return max_items
    if not value.isdigit() or not 1 <= int(value) <= max_items:
        raise OptionError("pubsub#max_items")
    return int(value)


def _send_last(value: str, _max: int) -> SendLast:
    try:
        return SendLast(value)
    except ValueError:
        raise OptionError("pubsub#send_last_published_item") from None


_PARSERS = {
    "pubsub#access_model": ("access", _access),
    "pubsub#persist_items": ("persist_items", _bool),
    "pubsub#max_items": ("max_items", _max_items),
    "pubsub#send_last_published_item": ("send_last", _send_last),
    "pubsub#notify_retract": ("notify_retract", _bool),
}


def config_form(config: NodeConfig, *, kind: str = "form") -> ET.Element:
    """The node's configuration as a form (`pubsub#node_config`)."""
    form = ET.Element(f"{{{DATA}}}x", {"type": kind})
    _field(form, "FORM_TYPE", NODE_CONFIG, "hidden")
    _field(form, "pubsub#access_model", config.access.value, "list-single", [a.value for a in Access])
    _field(form, "pubsub#persist_items", "1" if config.persist_items else "0", "boolean")
    _field(form, "pubsub#max_items", str(config.max_items), "text-single")
    _field(form, "pubsub#send_last_published_item", config.send_last.value, "list-single", [s.value for s in SendLast])
    _field(form, "pubsub#notify_retract", "1" if config.notify_retract else "0", "boolean")
    return form


def _field(form: ET.Element, var: str, value: str, kind: str, choices: list[str] | None = None) -> None:
    field = ET.SubElement(form, f"{{{DATA}}}field", {"var": var, "type": kind})
    ET.SubElement(field, f"{{{DATA}}}value").text = value
    for choice in choices or []:
        ET.SubElement(ET.SubElement(field, f"{{{DATA}}}option"), f"{{{DATA}}}value").text = choice
