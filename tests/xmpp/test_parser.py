"""The stream parser: events out of bytes, in any chunking, and every refusal RFC 6120 asks for."""

from __future__ import annotations

import time
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

from roost.xmpp.stream.parser import (
    BLOCK_BYTES,
    StanzaReceived,
    StreamClosed,
    StreamEvent,
    StreamOpened,
    StreamParser,
    XmlStreamError,
)

STREAMS = "http://etherx.jabber.org/streams"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DECL = b"<?xml version='1.0'?>"
HEADER = (
    b"<stream:stream to='example.com' version='1.0' xml:lang='en' "
    b"xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
)
MESSAGE = b"<message to='romeo@example.net' type='chat'><body>a<b>x</b>c<i/>d &amp; &#x263A;</body></message>"
PRESENCE = b"<presence a='&gt;/&gt;'/>"
IQ = b"<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq >"
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"&lol%s;" % (str(n - 1).encode() if n > 1 else b"") * 10) for n in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)


def parser(limit: int = 10_000, depth: int = 32) -> StreamParser:
    return StreamParser(max_stanza_bytes=limit, max_depth=depth)


def opened(limit: int = 10_000, depth: int = 32) -> StreamParser:
    result = parser(limit, depth)
    assert [type(event) for event in result.feed(DECL + HEADER)] == [StreamOpened]
    return result


def feed_in(stream: StreamParser, data: bytes, step: int) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for start in range(0, len(data), step):
        events += stream.feed(data[start : start + step])
    return events


def stanzas(events: list[StreamEvent]) -> list[StanzaReceived]:
    return [event for event in events if isinstance(event, StanzaReceived)]


def refusal(data: bytes, *, limit: int = 10_000, depth: int = 32, step: int = 0) -> str:
    stream = parser(limit, depth)
    with pytest.raises(XmlStreamError) as caught:
        feed_in(stream, data, step or len(data))
    return caught.value.condition


# -- the stream and its stanzas ----------------------------------------------------------


def test_header_gives_stream_opened_with_clark_attributes() -> None:
    (event,) = parser().feed(DECL + HEADER)
    assert event == StreamOpened(
        attrs={"to": "example.com", "version": "1.0", XML_LANG: "en"},
        namespace="jabber:client",
    )


@pytest.mark.parametrize(
    "declaration",
    [
        b"",
        DECL,
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b"<?xml version='1.0' encoding='utf-8'?>\n",
        b"\xef\xbb\xbf",
    ],
)
def test_xml_declaration_and_utf8_bom_are_accepted(declaration: bytes) -> None:
    assert [type(event) for event in parser().feed(declaration + HEADER)] == [StreamOpened]


@pytest.mark.parametrize("step", [1, 2, 3, 7, 64, 10_000])
def test_any_chunking_gives_the_same_events_and_sizes(step: int) -> None:
    data = DECL + HEADER + MESSAGE + b" \n" + PRESENCE + IQ + b"</stream:stream>"
    events = feed_in(parser(), data, step)
    assert [type(event) for event in events] == [
        StreamOpened,
        StanzaReceived,
        StanzaReceived,
        StanzaReceived,
        StreamClosed,
    ]
    assert [stanza.size for stanza in stanzas(events)] == [len(MESSAGE), len(PRESENCE), len(IQ)]
    assert [stanza.element.tag for stanza in stanzas(events)] == [
        "{jabber:client}message",
        "{jabber:client}presence",
        "{jabber:client}iq",
    ]


def test_several_stanzas_in_one_feed_and_one_stanza_over_several() -> None:
    stream = opened()
    assert len(stream.feed(PRESENCE * 5)) == 5
    assert stream.feed(MESSAGE[:10]) == []
    (event,) = stream.feed(MESSAGE[10:])
    assert isinstance(event, StanzaReceived)
    assert event.size == len(MESSAGE)


def test_sizes_of_empty_children_and_tags_spanning_blocks() -> None:
    stanza = b"<message><x/></message>"
    big = b"<presence id='" + b"p" * (3 * BLOCK_BYTES) + b"'/>"
    events = feed_in(opened(limit=10 * BLOCK_BYTES), stanza + big + stanza, BLOCK_BYTES - 1)
    assert [event.size for event in stanzas(events)] == [len(stanza), len(big), len(stanza)]


def test_mixed_content_text_and_tails() -> None:
    (event,) = opened().feed(MESSAGE)
    assert isinstance(event, StanzaReceived)
    body = event.element.find("{jabber:client}body")
    assert body is not None
    bold, italic = list(body)
    assert (body.text, bold.text, bold.tail, italic.text, italic.tail) == ("a", "x", "c", None, "d & \u263a")
    assert event.element.tail is None
    assert event.element.attrib == {"to": "romeo@example.net", "type": "chat"}


def test_text_split_into_single_bytes_and_cdata_is_joined() -> None:
    stanza = "<message><body>ü€😀 <![CDATA[<not a tag> & ]]>end</body></message>".encode()
    (event,) = stanzas(feed_in(opened(), stanza, 1))
    assert event.element.findtext("{jabber:client}body") == "ü€😀 <not a tag> & end"


def test_namespaces_become_clark_notation() -> None:
    stream = opened()
    auth, iq = stanzas(
        stream.feed(
            b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldAByMG0zMA==</auth>"
            b"<iq xmlns:r='jabber:iq:roster' xml:lang='fr'><r:query r:ver='1'><item xmlns='' jid='a@b'/></r:query></iq>"
        )
    )
    assert auth.element.tag == "{urn:ietf:params:xml:ns:xmpp-sasl}auth"
    assert auth.element.text == "AGp1bGlldAByMG0zMA=="
    assert iq.element.attrib == {XML_LANG: "fr"}
    query = iq.element[0]
    assert query.tag == "{jabber:iq:roster}query"
    assert query.attrib == {"{jabber:iq:roster}ver": "1"}
    assert query[0].tag == "item"


def test_whitespace_keepalives_give_no_events() -> None:
    stream = opened(limit=100)
    for _ in range(1_000):
        assert stream.feed(b" ") == []
    assert stream.feed(b"\r\n\t" * 500) == []
    assert len(stream.feed(b"\n" + PRESENCE + b"\n")) == 1


def test_stream_close() -> None:
    events = opened().feed(PRESENCE + b"</stream:stream>")
    assert [type(event) for event in events] == [StanzaReceived, StreamClosed]
    assert opened().feed(b"</stream:stream>") == [StreamClosed()]


def test_reset_after_starttls_starts_a_new_stream() -> None:
    stream = opened()
    (starttls,) = stream.feed(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    assert isinstance(starttls, StanzaReceived)
    assert starttls.element.tag == "{urn:ietf:params:xml:ns:xmpp-tls}starttls"
    stream.reset()
    events = feed_in(stream, DECL + HEADER + PRESENCE, 5)
    assert [type(event) for event in events] == [StreamOpened, StanzaReceived]
    assert stanzas(events)[0].size == len(PRESENCE)


def test_reset_after_sasl_with_a_raised_limit() -> None:
    stream = opened(limit=200)
    stream.feed(b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AA==</auth>")
    stream.reset()
    stream.max_stanza_bytes = 100_000
    big = b"<message><body>" + b"x" * 50_000 + b"</body></message>"
    events = stream.feed(HEADER + big)
    assert stanzas(events)[0].size == len(big)


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "condition"),
    [
        (b"<stream:stream xmlns:stream='urn:other' xmlns='jabber:client'>", "invalid-namespace"),
        (b"<stream xmlns='http://etherx.jabber.org/streams'>", "bad-namespace-prefix"),
        (
            b"<foobar:stream xmlns:foobar='http://etherx.jabber.org/streams' xmlns='jabber:client'>",
            "bad-namespace-prefix",
        ),
        (b"<message xmlns='jabber:client'>", "bad-format"),
        (HEADER.replace(b"jabber:client", b"jabber:server"), "invalid-namespace"),
        (HEADER.replace(b"xmlns='jabber:client' ", b""), "invalid-namespace"),
        (b"<!DOCTYPE stream>" + HEADER, "restricted-xml"),
        (b"<!-- hi -->" + HEADER, "restricted-xml"),
        (b"<?php echo 1; ?>" + HEADER, "restricted-xml"),
        (HEADER + b"<message><!-- hi --></message>", "restricted-xml"),
        (HEADER + b"<message><?pi data?></message>", "restricted-xml"),
        (HEADER + b"<message><body>&lol;</body></message>", "restricted-xml"),
        (HEADER + b"<message to='&lol;'/>", "restricted-xml"),
        (HEADER + b"<message><body></message>", "not-well-formed"),
        (HEADER + b"<message to=a/>", "not-well-formed"),
        (HEADER + b"<message to='a' to='b'/>", "not-well-formed"),
        (HEADER + b"<x:message/>", "not-well-formed"),
        (HEADER + b"<message>&#0;</message>", "not-well-formed"),
        (HEADER + b"<message>\x01</message>", "not-well-formed"),
        (HEADER + b"<?xml version='1.0'?>", "not-well-formed"),
        (HEADER + b"</stream:stream><presence/>", "not-well-formed"),
        (HEADER + b"hello", "bad-format"),
        (b"<?xml version='1.0' encoding='UTF-16'?>" + HEADER, "unsupported-encoding"),
        (b"<?xml version='1.0' encoding='ISO-8859-1'?>" + HEADER, "unsupported-encoding"),
        (b"\xff\xfe" + HEADER.decode().encode("utf-16-le"), "unsupported-encoding"),
        (b"\xfe\xff" + HEADER.decode().encode("utf-16-be"), "unsupported-encoding"),
        (HEADER.decode().encode("utf-16-le"), "unsupported-encoding"),
        (HEADER + b"<message><body>\xff</body></message>", "unsupported-encoding"),
        (HEADER + b"<message><body>\xc3\x28</body></message>", "unsupported-encoding"),
        (HEADER + b"<message><body>\xc0\xaf</body></message>", "unsupported-encoding"),
        (HEADER + b"<message><body>\xed\xa0\x80</body></message>", "unsupported-encoding"),
        (HEADER + b"<message to='\xe9'/>", "unsupported-encoding"),
    ],
)
@pytest.mark.parametrize("step", [1, 4096])
def test_bad_input_gets_the_rfc_condition(data: bytes, condition: str, step: int) -> None:
    assert refusal(data, step=step) == condition


def test_errors_are_sticky_even_across_reset() -> None:
    stream = opened()
    with pytest.raises(XmlStreamError) as first:
        stream.feed(b"<message><!-- x --></message>")
    for more in (b"", b" ", PRESENCE):
        with pytest.raises(XmlStreamError) as again:
            stream.feed(more)
        assert again.value is first.value
    stream.reset()
    with pytest.raises(XmlStreamError):
        stream.feed(HEADER)


def test_error_text_is_safe_to_send() -> None:
    with pytest.raises(XmlStreamError) as caught:
        parser().feed(HEADER + b"<message><body></message>")
    assert caught.value.text == "The XML is not well-formed."
    assert str(caught.value) == "not-well-formed: The XML is not well-formed."


# -- limits and attacks -----------------------------------------------------------------------


def test_depth_limit() -> None:
    def nested(levels: int) -> bytes:
        return b"<a>" * levels + b"</a>" * levels

    assert len(opened(depth=32).feed(nested(32))) == 1
    assert refusal(HEADER + nested(33), depth=32) == "policy-violation"
    assert refusal(HEADER + nested(3), depth=2) == "policy-violation"


@pytest.mark.parametrize("step", [1, 1_000, 1_000_000])
def test_ten_thousand_deep_nesting_is_refused(step: int) -> None:
    data = HEADER + b"<message>" + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</message>"
    started = time.perf_counter()
    assert refusal(data, limit=10**6, step=step) == "policy-violation"
    assert time.perf_counter() - started < 1


def test_stanza_at_the_limit_passes_and_one_byte_more_is_refused() -> None:
    stanza = b"<message><body>" + b"x" * 100 + b"</body></message>"
    assert stanzas(opened(limit=len(stanza)).feed(stanza))[0].size == len(stanza)
    assert refusal(HEADER + stanza, limit=len(stanza) - 1) == "policy-violation"
    assert refusal(HEADER + stanza, limit=len(stanza) - 1, step=1) == "policy-violation"


@pytest.mark.parametrize(
    "start",
    [b"<message><body>", b"<message to='", b"<message><body><![CDATA[", b"\n  <message>" + b"<x/>" * 10_000],
)
def test_oversize_stanza_is_refused_while_it_arrives(start: bytes) -> None:
    stream = opened(limit=1_000)
    stream.feed(start[:500])
    fed = len(start[:500])
    with pytest.raises(XmlStreamError) as caught:
        for chunk in [start[500:]] + [b"x" * 100] * 1_000:
            fed += len(chunk)
            stream.feed(chunk)
    assert caught.value.condition == "policy-violation"
    assert fed <= 1_000 + max(len(start) - 500, 100)


def test_one_huge_feed_is_refused_after_at_most_one_block_past_the_limit() -> None:
    stream = opened(limit=1_000)
    started = time.perf_counter()
    with pytest.raises(XmlStreamError) as caught:
        stream.feed(b"<message><body>" + b"x" * 50_000_000)
    assert caught.value.condition == "policy-violation"
    assert time.perf_counter() - started < 2  # parsing it all would take minutes; 0.02 s when idle


def test_oversize_stream_header_and_prolog_are_refused() -> None:
    assert refusal(b"<stream:stream to='" + b"x" * 2_000, limit=1_000) == "policy-violation"
    assert refusal(b" " * 2_000, limit=1_000) == "policy-violation"


def test_raised_limit_applies_to_the_next_stanza() -> None:
    stream = opened(limit=100)
    big = b"<message><body>" + b"x" * 500 + b"</body></message>"
    stream.max_stanza_bytes = 1_000
    assert stanzas(stream.feed(big))[0].size == len(big)


@pytest.mark.parametrize("step", [1, 64, len(LAUGHS)])
def test_billion_laughs_is_refused_quickly_with_little_memory(step: int) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        assert refusal(LAUGHS, step=step) == "restricted-xml"
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 0.5  # expanded, it would take minutes; a few ms when the machine is idle
    assert peak < 1_000_000


def test_entity_bomb_inside_the_stream_cannot_be_declared() -> None:
    assert refusal(HEADER + b"<message>&lol9;</message>") == "restricted-xml"
    assert refusal(HEADER + b"<!DOCTYPE x [<!ENTITY a 'b'>]>") == "not-well-formed"


def test_attribute_values_and_text_are_str() -> None:
    (event,) = opened().feed("<message to='jülïet@example.com'><body>∑</body></message>".encode())
    assert isinstance(event, StanzaReceived)
    assert isinstance(event.element, ET.Element)
    assert event.element.get("to") == "jülïet@example.com"
    assert event.element.findtext("{jabber:client}body") == "∑"
