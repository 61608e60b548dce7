"""The serializer: exact bytes out, no prefixes on elements, and round trips through the parser."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from roost.model.messages import Message
from roost.xmpp import xml as roost_xml
from roost.xmpp.render import _plain_chat as plain_chat
from roost.xmpp.stream.parser import StanzaReceived, StreamClosed, StreamOpened, StreamParser
from roost.xmpp.xml import STREAM_CLOSE, SharedStanza, element, serialize, stream_header

C = "{jabber:client}"
ROSTER = "{jabber:iq:roster}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HEADER = stream_header(from_="juliet@example.com", id_="x", to="example.com")
XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
XML_TEXT = st.text(st.characters().filter(XML_CHAR.fullmatch))


def reparse(data: bytes) -> ET.Element:
    """``data`` as a stanza of a fresh client stream."""
    events = StreamParser(max_stanza_bytes=1_000_000).feed(HEADER + data)
    assert isinstance(events[-1], StanzaReceived)
    return events[-1].element


def canonical(node: ET.Element) -> tuple[object, ...]:
    return (node.tag, node.attrib, node.text or "", node.tail or "", [canonical(child) for child in node])


def test_stanza_in_the_content_namespace_has_no_declaration() -> None:
    message = element(f"{C}message", {"to": "romeo@example.net", "type": "chat"}, element(f"{C}body", text="hi"))
    assert serialize(message) == b'<message to="romeo@example.net" type="chat"><body>hi</body></message>'


def test_other_namespaces_get_a_default_declaration_and_never_a_prefix() -> None:
    iq = element(
        f"{C}iq",
        {"type": "result", "id": "1"},
        element(f"{ROSTER}query", None, element(f"{ROSTER}item", {"jid": "a@b"}), element(f"{C}x"), element("bare")),
    )
    data = serialize(iq)
    assert data == (
        b'<iq type="result" id="1"><query xmlns="jabber:iq:roster"><item jid="a@b"/>'
        b'<x xmlns="jabber:client"/><bare xmlns=""/></query></iq>'
    )
    assert not re.search(rb"<[^ >]*:", data)
    assert canonical(reparse(data)) == canonical(iq)


def test_parent_namespace_for_negotiation_elements() -> None:
    success = element("{urn:ietf:params:xml:ns:xmpp-sasl}success")
    assert serialize(success, parent_namespace="") == b'<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>'
    features = element("{urn:ietf:params:xml:ns:xmpp-bind}bind")
    data = serialize(features, parent_namespace="http://etherx.jabber.org/streams")
    assert data == b'<bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/>'


def test_xml_namespace_is_written_with_the_xml_prefix() -> None:
    body = element(f"{C}body", {XML_LANG: "fr"}, element("{http://www.w3.org/XML/1998/namespace}note"), text="salut")
    data = serialize(body)
    assert data == b'<body xml:lang="fr">salut<xml:note/></body>'
    assert canonical(reparse(data)) == canonical(body)


def test_foreign_namespace_attributes_get_declared_prefixes() -> None:
    node = element(f"{C}x", {"{urn:a}one": "1", "{urn:b}two": "2", "{urn:a}three": "3", "plain": "p"})
    data = serialize(node)
    assert data == b'<x xmlns:a0="urn:a" xmlns:a1="urn:b" a0:one="1" a1:two="2" a0:three="3" plain="p"/>'
    assert canonical(reparse(data)) == canonical(node)


def test_escaping_in_text_and_attributes() -> None:
    node = element(f"{C}body", {"a": "<&>\"'\t\n\r"}, text="<b>&amp; ]]> \"'\r\n")
    data = serialize(node)
    assert data == b'<body a="&lt;&amp;&gt;&quot;&apos;&#9;&#10;&#13;">&lt;b&gt;&amp;amp; ]]&gt; "\'&#13;\n</body>'
    assert canonical(reparse(data)) == canonical(node)


def test_tails_of_children_are_written_but_not_the_root_tail() -> None:
    body = element(f"{C}body", text="a")
    bold = ET.SubElement(body, f"{C}b")
    bold.text, bold.tail = "x", "c & d"
    body.tail = "outside"
    assert serialize(body) == b"<body>a<b>x</b>c &amp; d</body>"


def test_characters_xml_cannot_carry_are_removed() -> None:
    node = element(f"{C}body", {"a": "x\x00\x1by"}, text="a\x01\x08\x0b\x0c\x1f\ud800\ufffe\uffffb\t\U0001f600")
    assert serialize(node) == '<body a="xy">ab\t\U0001f600</body>'.encode()


EDGE_CHARACTERS = [*"<>&\"'\t\n\r\x00\x1f\ud800\ufffe\uffff\ufffd\ud7ff\ue000", "a", "é", "会", "\U0001f600"]


@given(st.text(st.sampled_from(EDGE_CHARACTERS)))
def test_values_written_as_they_are_need_no_escaping(value: str) -> None:
    """The shortcut for plain values (no scan-and-translate) agrees with the full escaping."""
    full_text = roost_xml._NOT_XML_CHAR.sub("", value).translate(roost_xml._TEXT_ESCAPES)
    full_attr = roost_xml._NOT_XML_CHAR.sub("", value).translate(roost_xml._ATTR_ESCAPES)
    assert roost_xml.escape_text(value) == full_text
    assert roost_xml.escape_attr(value) == full_attr


def test_xmlns_attributes_are_refused() -> None:
    with pytest.raises(ValueError, match="Clark"):
        serialize(element(f"{C}query", {"xmlns": "jabber:iq:roster"}))


def test_element_helper() -> None:
    child = element("c")
    node = element(f"{C}iq", {"type": "get"}, child, element("d"), text="t")
    assert (node.tag, node.attrib, node.text, list(node)) == (f"{C}iq", {"type": "get"}, "t", [child, node[1]])
    attrs = {"a": "1"}
    element("x", attrs).set("b", "2")
    assert attrs == {"a": "1"}


def test_stream_header_and_close() -> None:
    assert stream_header(from_="example.com", id_="abc", to=None) == (
        b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
        b"xmlns:stream='http://etherx.jabber.org/streams' from='example.com' id='abc' version='1.0' xml:lang='en'>"
    )
    header = stream_header(from_="example.com", id_="a'b", to="j@example.com", lang="de")
    assert b"id='a&apos;b' to='j@example.com'" in header
    events = StreamParser(max_stanza_bytes=1_000).feed(header + STREAM_CLOSE)
    assert events == [
        StreamOpened(
            attrs={"from": "example.com", "id": "a'b", "to": "j@example.com", "version": "1.0", XML_LANG: "de"},
            namespace="jabber:client",
        ),
        StreamClosed(),
    ]


def test_parsed_stanzas_serialize_back_to_equal_elements() -> None:
    wire = (
        b"<message xmlns:e='urn:ext' to='a@b' xml:lang='en'><body>1 &lt; 2</body>"
        b"<e:x e:attr='v'><e:y>t</e:y> tail <z xmlns='urn:other'/></e:x></message>"
    )
    parsed = reparse(wire)
    again = reparse(serialize(parsed))
    assert canonical(again) == canonical(parsed)
    assert b"e:" not in serialize(parsed).replace(b"xmlns:e", b"")


@given(text=XML_TEXT, value=XML_TEXT, tail=XML_TEXT)
def test_any_xml_text_round_trips(text: str, value: str, tail: str) -> None:
    node = element(f"{C}message", {"id": value}, element("{urn:x}child", text=text))
    node[0].tail = tail
    assert canonical(reparse(serialize(node))) == canonical(node)


def _room_message(to: str) -> ET.Element:
    return element(
        f"{C}message",
        {"type": "groupchat", "from": "team@conference.example.com/amy", "to": to, "id": "m1"},
        element(f"{C}body", text="fish & <chips>"),
        element("{urn:xmpp:sid:0}stanza-id", {"id": "42", "by": "team@conference.example.com"}),
    )


def test_a_shared_stanza_is_serialised_once_and_addressed_per_recipient(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = SharedStanza(_room_message("first@example.com/a"))
    recipients = ["romeo@example.net/orchard", "juliet@example.com/balcony", "o'brien@example.com/x&y"]
    expected = {
        to: (serialize(_room_message(to)), serialize(_room_message(to), parent_namespace="")) for to in recipients
    }
    written: list[str] = []
    write = roost_xml._write

    def counting(parts: list[str], node: ET.Element, parent_namespace: str) -> None:
        written.append(node.tag)
        write(parts, node, parent_namespace)

    monkeypatch.setattr(roost_xml, "_write", counting)
    for to in recipients:
        copy = shared.addressed(to)
        assert copy.get("to") == to and list(copy) == list(shared.element)
        assert (serialize(copy), serialize(copy, parent_namespace="")) == expected[to]
    assert written.count(f"{C}message") == 2  # once for each parent namespace, not once per recipient


def test_a_changed_copy_of_a_shared_stanza_is_serialised_in_full() -> None:
    shared = SharedStanza(_room_message("first@example.com/a"))
    extra = shared.addressed("romeo@example.net/orchard")
    extra.append(element("{urn:xmpp:delay}delay", {"stamp": "2025-01-01T00:00:00Z"}))
    renamed = shared.addressed("romeo@example.net/orchard")
    renamed.set("id", "m2")
    for changed in (extra, renamed):
        fresh = _room_message("romeo@example.net/orchard")
        fresh.attrib.update(changed.attrib)
        fresh[:] = list(changed)
        assert serialize(changed) == serialize(fresh)
    assert b"<delay" in serialize(extra) and b'id="m2"' in serialize(renamed)


def _plain_chat(body: str, sender: str, to: str, client_id: str) -> roost_xml.Templated:
    message = Message(1234, 1, 2, client_id, body, datetime.now(UTC))
    return plain_chat(message, sender=sender, to=to, by="bob@example.com")


def _in_full(stanza: ET.Element) -> bytes:
    parts: list[str] = []
    roost_xml._write(parts, stanza, roost_xml.CLIENT_NS)
    return "".join(parts).encode()


@given(st.text(st.sampled_from(EDGE_CHARACTERS), min_size=1), st.text(st.sampled_from(EDGE_CHARACTERS)))
def test_a_templated_chat_message_is_written_as_the_serialiser_would(body: str, value: str) -> None:
    stanza = _plain_chat(body, f"amy@example.com/{value}", "bob@example.com/phone", value or "m1")
    assert serialize(stanza) == _in_full(stanza)


def test_a_changed_templated_message_is_serialised_in_full() -> None:
    readdressed, delayed = (
        _plain_chat("hi", "amy@example.com/a", "bob@example.com/b", "m1"),
        _plain_chat("hi", "amy@example.com/a", "bob@example.com/b", "m1"),
    )
    readdressed.set("to", "bob@example.com/other")
    delayed.append(element("{urn:xmpp:delay}delay", {"stamp": "2025-01-01T00:00:00Z"}))
    assert b'to="bob@example.com/other"' in serialize(readdressed) and b"<delay" in serialize(delayed)
    assert serialize(readdressed) == _in_full(readdressed) and serialize(delayed) == _in_full(delayed)
    assert serialize(readdressed, parent_namespace="urn:xmpp:forward:0").startswith(b'<message xmlns="jabber:client"')
