"""`http.public_url`: the base of XEP-0363 slot URLs, configured or derived from domain, port and TLS."""

from __future__ import annotations

from roost.config import HttpSettings, Settings


def test_configured_url_wins() -> None:
    settings = Settings(http=HttpSettings(public_url="https://files.example.org/"))
    assert settings.public_http_url == "https://files.example.org"


def test_derived_from_domain_port_and_tls() -> None:
    assert Settings(domain="chat.example.org").public_http_url == "http://chat.example.org:8080"
    public = Settings(domain="chat.example.org", http=HttpSettings(host="0.0.0.0", port=443))
    assert public.public_http_url == "https://chat.example.org"
    assert Settings(http=HttpSettings(host="0.0.0.0", port=8443)).public_http_url == "https://localhost:8443"


def test_behind_a_proxy_the_standard_https_port() -> None:
    settings = Settings(domain="chat.example.org", http=HttpSettings(behind_proxy=True, port=8080))
    assert settings.public_http_url == "https://chat.example.org"
