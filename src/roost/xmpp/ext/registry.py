"""The extensions this server can install, by name (config `xmpp.extensions`)."""

from __future__ import annotations

from roost.xmpp.ext import (
    Extension,
    Registry,
    rfc6121_roster,
    xep0030_disco,
    xep0049_private,
    xep0054_vcard,
    xep0077_register,
    xep0092_version,
    xep0115_caps,
    xep0160_offline,
    xep0191_blocking,
    xep0198_sm,
    xep0199_ping,
    xep0215_external_services,
    xep0280_carbons,
    xep0308_correction,
    xep0313_mam,
    xep0333_markers,
    xep0352_csi,
    xep0357_push,
    xep0363_upload,
    xep0402_bookmarks,
    xep0424_retraction,
    xep0444_reactions,
    xep0461_replies,
)
from roost.xmpp.ext.xep0045_muc import extension as xep0045_muc
from roost.xmpp.ext.xep0153_avatars import extension as xep0153_avatars
from roost.xmpp.ext.xep0163_pep import extension as xep0163_pep

AVAILABLE: dict[str, Extension] = {
    e.name: e
    for e in (
        xep0030_disco.ext,
        xep0092_version.ext,
        xep0199_ping.ext,
        rfc6121_roster.ext,
        xep0280_carbons.ext,
        xep0313_mam.ext,
        xep0160_offline.ext,
        xep0308_correction.ext,
        xep0424_retraction.ext,
        xep0333_markers.ext,
        xep0045_muc.ext,
        xep0198_sm.ext,
        xep0352_csi.ext,
        xep0363_upload.ext,
        xep0054_vcard.ext,
        xep0115_caps.ext,
        xep0163_pep.ext,
        xep0049_private.ext,
        xep0402_bookmarks.ext,
        xep0153_avatars.ext,
        xep0191_blocking.ext,
        xep0077_register.ext,
        xep0215_external_services.ext,
        xep0357_push.ext,
        xep0444_reactions.ext,
        xep0461_replies.ext,
    )
}


def build_registry(enabled: list[str] | None = None) -> Registry:
    """The named extensions (all when `enabled` is None); an unknown name is a ValueError."""
    names = list(AVAILABLE) if enabled is None else enabled
    unknown = [name for name in names if name not in AVAILABLE]
    if unknown:
        raise ValueError(f"unknown XMPP extensions: {', '.join(unknown)}")
    return Registry([AVAILABLE[name] for name in names])
