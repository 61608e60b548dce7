"""`roost init`: config file, data folder, database, TLS certificate, first admin."""

from __future__ import annotations

import os
from pathlib import Path

from roost.config import Settings
from roost.core.admin.service import AdminService
from roost.model.users import NewUser
from roost.tls import make_self_signed

CONFIG_TEMPLATE = """# Roost configuration. Every setting, with its default: docs/configuration.md
# Any setting can be overridden from the environment: ROOST_DOMAIN, ROOST_HTTP__PORT, ...
domain = "{domain}"
data_dir = "{data_dir}"

[http]
host = "127.0.0.1"   # plain HTTP is used only on loopback or behind a declared TLS proxy
port = 8080

[database]
# url = "postgresql://roost:secret@127.0.0.1/roost"   # default: SQLite in data_dir
"""


def write_config(path: Path, domain: str, data_dir: str) -> bool:
    if path.exists():
        return False
    path.write_text(CONFIG_TEMPLATE.format(domain=domain, data_dir=data_dir), encoding="utf-8")
    return True


def ensure_certificate(settings: Settings) -> bool:
    if settings.cert_file.exists():
        return False
    make_self_signed(settings.domain, settings.cert_file, settings.key_file)
    return True


async def ensure_admin(admin: AdminService, username: str = "admin") -> str | None:
    """Create the first admin if there is no admin yet; returns a generated password."""
    if await admin.has_admin():
        return None
    password = os.environ.get("ROOST_ADMIN_PASSWORD") or None
    new = NewUser(username, display_name="Administrator", is_admin=True)
    _user, generated = await admin.add_user(None, new, password)
    return generated or ""
