"""XEP-0045: Multi-User Chat on conference.<domain>, over the core's group rooms.

A room JID's localpart is the core room's id in decimal (`123456@conference.example.org`),
stable across renames, or, for a room made by joining a new room JID, the room's address
(kept unique by the core; see `rooms`). Occupancy (who is joined under which
nick, from which stream) lives in this process only; membership, roles, topic and history
live in the core, so the web client and XMPP clients share the same rooms.

Modules: `extension` (the Extension value, routing, disco, self-ping), `rooms` (which
room a JID names, making rooms), `occupancy` (joined
occupants), `join` (presence: joining and leaving), `history` (history on join),
`messages` (groupchat, subject, invitations), `events` (core events for occupants),
`stanzas` (room presence and message elements).
"""
