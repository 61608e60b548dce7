"""Typed settings: roost.toml, then ROOST_* environment overrides (ROOST_HTTP__PORT=8443).

Every setting and its default is documented in docs/configuration.md.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError


class ConfigError(Exception):
    """A bad configuration: the message names the key and why, on one line."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HttpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    tls: Literal["auto", "on", "off"] = "auto"  # auto: plain HTTP on loopback only, TLS elsewhere
    behind_proxy: bool = False  # a TLS-terminating proxy is in front: plain HTTP is fine
    max_request_bytes: int = Field(1_048_576, ge=1024)
    allowed_origins: list[str] = []
    # permessage-deflate on the event WebSocket: saves bandwidth, but a compressed session
    # holds ~60 KB instead of ~26 KB and each frame costs more CPU (bench/README.md).
    ws_compression: bool = False  # extra Origins accepted on the WebSocket (the own origin always is)
    public_url: str = ""  # how clients reach this listener (XEP-0363 slot URLs); "": from domain, port, TLS


class TlsSettings(_Section):
    cert_file: str = ""  # default: <data_dir>/tls/cert.pem (made by roost init)
    key_file: str = ""


class DatabaseSettings(_Section):
    url: str = ""  # default: sqlite:///<data_dir>/roost.db ; or postgresql://user:pass@host/db
    sqlite_synchronous: Literal["FULL", "EXTRA"] = "FULL"
    batch_max: int = Field(256, ge=1, le=10_000)
    commit_delay_ms: float = Field(2.0, ge=0, le=100)
    pool_size: int = Field(10, ge=1, le=200)
    # How long the event loop may hold the interpreter while the database threads wait for it
    # (Python's switch interval; its own default is 5 ms): see docs/configuration.md.
    thread_switch_ms: float = Field(5.0, ge=0.1, le=10)
    # How often a server reads what other processes (the admin CLI) changed: revoked logins,
    # accounts, rooms. What the CLI does reaches live sessions within about this long.
    follow_seconds: float = Field(2.0, ge=0.1, le=60)


class LimitSettings(_Section):
    message_max_chars: int = Field(100_000, ge=1)
    history_page_max: int = Field(200, ge=1)
    search_results_max: int = Field(100, ge=1)
    catchup_max_events: int = Field(1000, ge=10)
    ws_queue_max: int = Field(2000, ge=10)  # events queued for one slow client before it is dropped
    ws_message_max_bytes: int = Field(1_048_576, ge=1024)
    password_min_chars: int = Field(8, ge=1)
    reactions_per_person: int = Field(20, ge=1)  # different reactions one person puts on one message
    deletion_reason_max_chars: int = Field(1000, ge=1)  # a room admin's reason for removing a message
    blocklist_max: int = Field(1000, ge=1)  # people one person may block (XEP-0191, /api/v1/blocks)


class AuthSettings(_Section):
    session_days: int = Field(30, ge=1)
    throttle_free_failures: int = Field(5, ge=0)
    throttle_max_delay_seconds: float = Field(30.0, gt=0)
    address_throttle_free_failures: int = Field(20, ge=0)
    # argon2id cost of new web-login password hashes (argon2-cffi's defaults, RFC 9106's second choice)
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)

    @model_validator(mode="after")
    def _argon2_memory_fits_lanes(self) -> AuthSettings:
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ValueError("argon2_memory_kib must be at least 8 x argon2_parallelism")
        return self


class PresenceSettings(_Section):
    ping_interval_seconds: float = Field(20.0, gt=0)
    ping_timeout_seconds: float = Field(20.0, gt=0)


class FileSettings(_Section):
    max_file_bytes: int = Field(4 * 1024**3, ge=1)  # one file
    user_quota_bytes: int = Field(0, ge=0)  # 0: no limit; files a person uploaded (uploads in progress count)
    org_quota_bytes: int = Field(0, ge=0)  # 0: no limit; all stored content (each content once)
    attachments_per_message: int = Field(20, ge=1, le=1000)
    upload_expiry_hours: float = Field(24.0, gt=0)  # an unfinished upload is dropped after this
    unattached_hours: float = Field(24.0, gt=0)  # a file uploaded to a conversation but never sent
    slot_seconds: int = Field(300, ge=10)  # XEP-0363: how long an upload slot's PUT URL is valid
    link_days: int = Field(0, ge=0)  # XEP-0363: GET URLs expire after this; 0: kept until retention
    strip_gps: bool = True  # remove EXIF/XMP GPS data from stored images
    thumbnail_pixels: int = Field(320, ge=32, le=2048)
    image_max_pixels: int = Field(50_000_000, ge=1)  # larger images are stored as plain files
    sweep_seconds: float = Field(60.0, gt=0)  # how often expired uploads and unreferenced files are removed
    avatar_max_bytes: int = Field(1024 * 1024, ge=1024)  # one person's avatar image as uploaded
    avatar_pixels: int = Field(256, ge=32, le=1024)  # larger or non-square avatars are cropped and scaled to this
    avatar_small_pixels: int = Field(96, ge=16, le=512)  # the small square WebP copy lists show


class ExternalService(_Section):
    """A STUN or TURN server clients may use for calls (XEP-0215)."""

    type: Literal["stun", "stuns", "turn", "turns"]
    host: str = Field(min_length=1, max_length=255)
    port: int = Field(3478, ge=1, le=65535)
    transport: Literal["udp", "tcp"] = "udp"
    name: str = ""


class XmppSettings(_Section):
    enabled: bool = True
    host: str = ""  # "": the same address as http.host
    port: int = Field(5222, ge=0, le=65535)  # client connections with STARTTLS; 0 turns it off
    tls_port: int = Field(5223, ge=0, le=65535)  # direct TLS (XEP-0368); 0 turns it off
    allow_plain_loopback: bool = False  # plain streams may log in on a loopback listener (benchmarks)
    websocket: bool = True  # XMPP over WebSocket (RFC 7395) at /xmpp-websocket on the HTTP listener
    max_stanza_bytes: int = Field(10 * 1024 * 1024, ge=10_000)
    max_stanza_bytes_before_auth: int = Field(16_384, ge=1024)
    max_depth: int = Field(32, ge=8, le=1000)
    negotiation_seconds: float = Field(30.0, gt=0)  # from connect to a bound resource
    max_unauthenticated_per_address: int = Field(100, ge=1)
    resources_per_user: int = Field(50, ge=1)
    resume_seconds: float = Field(300.0, ge=0)  # XEP-0198: a dropped stream may be resumed this long; 0: never
    unacked_max: int = Field(1000, ge=10)  # XEP-0198: stanzas a client has not acknowledged, per session
    external_services: list[ExternalService] = []  # XEP-0215: STUN/TURN servers for calls
    turn_secret: str = ""  # shared with the TURN server (coturn: static-auth-secret): temporary credentials
    turn_credential_seconds: int = Field(86400, ge=60)  # how long those credentials are valid
    push_registrations_max: int = Field(20, ge=1)  # XEP-0357: push registrations per person
    registration: bool = False  # XEP-0077: anyone who reaches the server may create an account
    registrations_per_address_hour: int = Field(5, ge=1)
    extensions: list[str] | None = None  # None: every extension Roost has


class LogSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json_output: bool = Field(False, alias="json")


class RetentionSettings(_Section):
    message_days: int = Field(0, ge=0)  # 0: keep forever


class Settings(BaseSettings):
    """The whole configuration."""

    model_config = SettingsConfigDict(env_prefix="ROOST_", env_nested_delimiter="__", extra="forbid")

    domain: str = "localhost"
    data_dir: Path = Path("data")
    shared_roster: bool = True
    node_id: int = Field(0, ge=0, le=1022)  # distinct per server process when several share one database
    http: HttpSettings = HttpSettings()
    tls: TlsSettings = TlsSettings()
    database: DatabaseSettings = DatabaseSettings()
    limits: LimitSettings = LimitSettings()
    auth: AuthSettings = AuthSettings()
    presence: PresenceSettings = PresenceSettings()
    files: FileSettings = FileSettings()
    xmpp: XmppSettings = XmppSettings()
    log: LogSettings = LogSettings()
    retention: RetentionSettings = RetentionSettings()

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.strip().lower()
        if not value or any(c in value for c in " @/\"'<>:"):
            raise ValueError("must be a host name such as chat.example.org")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{(self.data_dir / 'roost.db').resolve()}"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def cert_file(self) -> Path:
        return Path(self.tls.cert_file) if self.tls.cert_file else self.data_dir / "tls" / "cert.pem"

    @property
    def key_file(self) -> Path:
        return Path(self.tls.key_file) if self.tls.key_file else self.data_dir / "tls" / "key.pem"

    @property
    def public_http_url(self) -> str:
        """`http.public_url`, or the listener as seen at the domain: https://domain[:port]."""
        if self.http.public_url:
            return self.http.public_url.rstrip("/")
        if self.http.behind_proxy:  # the proxy serves HTTPS on its own port: assume the standard one
            return f"https://{self.domain}"
        scheme = "https" if self.http_uses_tls else "http"
        default_port = 443 if scheme == "https" else 80
        port = "" if self.http.port == default_port else f":{self.http.port}"
        return f"{scheme}://{self.domain}{port}"

    @property
    def http_uses_tls(self) -> bool:
        if self.http.tls != "auto":
            return self.http.tls == "on"
        return not (self.http.behind_proxy or is_loopback(self.http.host))


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(file)"
    reason = first["msg"]
    if first["type"] == "extra_forbidden":
        reason = "unknown setting"
    return f"config error: {key}: {reason}"


def load_settings(path: Path | None) -> Settings:
    """Read the TOML file (if any) and the environment; ConfigError on the first problem."""
    data: dict[str, Any] = {}
    if path is not None and path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"config error: {path}: not valid TOML ({error})") from None
    try:
        settings = Settings(**data)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    except SettingsError as error:  # an environment value that should be JSON (a list, a whole section)
        field = re.search(r'field "([^"]+)"', str(error))
        key = field.group(1) if field else "environment"
        raise ConfigError(f'config error: {key}: a list from the environment must be JSON, e.g. ["a", "b"]') from None
    if path is not None and not settings.data_dir.is_absolute() and "data_dir" in data:
        settings.data_dir = (path.parent / settings.data_dir).resolve()
    return settings
