"""JIDs (RFC 7622): parsing, canonical form, and the addresses that must be refused."""

from __future__ import annotations

import pytest

from roost.model.errors import BadRequest
from roost.model.jid import CACHED_PART_CHARS, Jid, escape_local, unescape_local


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        # RFC 7622 §3.5 valid examples
        ("juliet@example.com", "juliet@example.com"),
        ("juliet@example.com/foo", "juliet@example.com/foo"),
        ("juliet@example.com/foo bar", "juliet@example.com/foo bar"),
        ("juliet@example.com/foo@bar", "juliet@example.com/foo@bar"),
        ("foo\\20bar@example.com", "foo\\20bar@example.com"),
        ("fussball@example.com", "fussball@example.com"),
        ("fußball@example.com", "fußball@example.com"),
        ("π@example.com", "π@example.com"),
        ("Σ@example.com/foo", "σ@example.com/foo"),
        ("σ@example.com/foo", "σ@example.com/foo"),
        ("ς@example.com/foo", "ς@example.com/foo"),
        ("king@example.com/♚", "king@example.com/♚"),
        ("example.com", "example.com"),
        ("example.com/foobar", "example.com/foobar"),
        ("a.example.com/b@example.net", "a.example.com/b@example.net"),
        # canonicalisation
        ("JULIET@Example.COM/Balcony", "juliet@example.com/Balcony"),
        ("ｊｕｌｉｅｔ@example.com", "juliet@example.com"),
        ("juliet@example.com./x/y", "juliet@example.com/x/y"),
        ("Bücher.example", "bücher.example"),
        ("XN--BCHER-KVA.example", "bücher.example"),
        ("juliet@[2001:DB8:0::1]", "juliet@[2001:db8::1]"),
        ("juliet@192.0.2.1", "juliet@192.0.2.1"),
        ("localhost/é", "localhost/é"),
        ("juliet@example.com/ foo ", "juliet@example.com/ foo "),  # OpaqueString keeps spaces
        ("e\u0301@example.com", "é@example.com"),
    ],
)
def test_valid_addresses_and_their_canonical_form(text: str, canonical: str) -> None:
    assert str(Jid.parse(text)) == canonical
    assert Jid.parse(canonical) == Jid.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        # RFC 7622 §3.5 invalid examples
        '"juliet"@example.com',
        "foo bar@example.com",
        "@example.com/",
        "henry\u2163@example.com",
        "♚@example.com",
        "juliet@",
        "/foobar",
        # more
        "",
        "@example.com",
        "juliet@example.com/",
        "juliet@@example.com",
        "a&b@example.com",
        "a:b@example.com",
        "a<b@example.com",
        "ｊｕｌｉｅｔ＠x@example.com",
        "juliet@exa mple.com",
        "juliet@example..com",
        "juliet@.example.com",
        "juliet@-example.com",
        "juliet@example-.com",
        "juliet@exam_ple.com",
        "juliet@" + "a" * 64 + ".com",
        "juliet@xn--zz.com",
        "juliet@[::g]",
        "juliet@[192.0.2.1]",
        ".",
        "x\x00@example.com",
        "juliet@example.com/\x07",
        "a" * 1024 + "@example.com",
        "juliet@example.com/" + "é" * 512,
        "x" * 100_000,
    ],
)
def test_invalid_addresses_are_refused(text: str) -> None:
    with pytest.raises(BadRequest) as caught:
        Jid.parse(text)
    assert caught.value.code == "jid.malformed"
    assert caught.value.message.startswith("The address is not valid")


def test_parts_and_limits() -> None:
    jid = Jid.parse("Juliet@Example.com/Balcony/2")
    assert (jid.local, jid.domain, jid.resource) == ("juliet", "example.com", "Balcony/2")
    assert Jid.parse("example.com") == Jid("", "example.com", "")
    assert len(Jid.parse("a" * 1023 + "@example.com").local) == 1023
    assert len(Jid.parse("example.com/" + "é" * 511).resource) == 511
    domain = ".".join(["a" * 63] * 16)
    assert Jid.parse(domain).domain == domain
    with pytest.raises(BadRequest):
        Jid.parse(domain + "." + "b" * 63)


def test_bare_and_str() -> None:
    full = Jid.parse("juliet@example.com/balcony")
    assert full.bare == Jid("juliet", "example.com")
    assert str(full.bare) == "juliet@example.com"
    bare = full.bare
    assert bare.bare is bare
    assert str(Jid.parse("example.com/r")) == "example.com/r"


def test_of_enforces_each_part() -> None:
    assert Jid.of("Juliet", "Example.com", "r") == Jid("juliet", "example.com", "r")
    assert Jid.of("", "example.com") == Jid("", "example.com", "")
    with pytest.raises(BadRequest):
        Jid.of("a@b", "example.com")


def test_jids_are_hashable_values() -> None:
    assert len({Jid.parse("A@example.com"), Jid.parse("a@EXAMPLE.com"), Jid.parse("a@example.com/r")}) == 2


@pytest.mark.parametrize(
    ("name", "local"),
    [
        # XEP-0106 §5 examples
        ("space cadet", "space\\20cadet"),
        ('call me "ishmael"', "call\\20me\\20\\22ishmael\\22"),
        ("at&t guy", "at\\26t\\20guy"),
        ("d'artagnan", "d\\27artagnan"),
        ("/.fanboy", "\\2f.fanboy"),
        ("::foo::", "\\3a\\3afoo\\3a\\3a"),
        ("<foo>", "\\3cfoo\\3e"),
        ("user@host", "user\\40host"),
        ("c:\\net", "c\\3a\\net"),
        ("c:\\\\net", "c\\3a\\\\net"),
        ("c:\\cool stuff", "c\\3a\\cool\\20stuff"),
        ("c:\\5commas", "c\\3a\\5c5commas"),
    ],
)
def test_xep0106_escaping(name: str, local: str) -> None:
    assert escape_local(name) == local
    assert unescape_local(local) == name
    assert Jid.parse(f"{local}@example.com").local == local.lower()


def test_escaping_refuses_leading_or_trailing_space() -> None:
    for name in (" x", "x "):
        with pytest.raises(BadRequest):
            escape_local(name)


def test_cached_parts_match_enforcement_and_refusals_are_never_cached() -> None:
    """Parts are enforced once and remembered; a refused part is refused every time."""
    long_resource = "r" * (CACHED_PART_CHARS + 1)  # past the cache's bound: enforced each time
    for _ in range(2):
        assert Jid.parse(f"ÄLICE@Example.COM/{long_resource}") == Jid("älice", "example.com", long_resource)
        assert Jid.parse("älice@example.com/phone") == Jid("älice", "example.com", "phone")
        with pytest.raises(BadRequest):
            Jid.parse("al<ice@example.com")
