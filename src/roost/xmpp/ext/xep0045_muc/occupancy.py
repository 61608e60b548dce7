"""Who is joined to which room, under which nick, from which XMPP streams (this process only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roost.core.events import MessageCreated, PayloadRelayed
from roost.model.conversations import Role
from roost.xmpp.xml import SharedStanza

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession


@dataclass
class Occupant:
    """One nick in one room: a user, joined from one or more of their streams (multi-session)."""

    nick: str
    user_id: int
    role: Role
    sessions: dict[str, XmppSession] = field(default_factory=dict)  # by session id


@dataclass
class RoomOccupants:
    """The occupants of one core room."""

    conversation_id: int
    local: str  # the room JID's localpart
    by_nick: dict[str, Occupant] = field(default_factory=dict)
    topic: str = ""
    topic_event: int = 0  # the core event that last changed the topic: each stream sends it once
    # Looked up for every stream at every message: made again after each change of `by_nick`
    # or of an occupant's sessions (through `Occupancy.add`, `Occupancy.remove`, `rename`).
    _index: _Index | None = field(default=None, init=False, repr=False, compare=False)
    # The last message (or relayed payload) rendered for the room's streams, shared by all of them (`events.py`).
    fanout: tuple[MessageCreated | PayloadRelayed, SharedStanza] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def nick_of_user(self, user_id: int) -> str | None:
        return self._indexed().nicks.get(user_id)

    def occupant_of(self, session: XmppSession) -> Occupant | None:
        return self._indexed().by_session.get(session.id)

    def rename(self, occupant: Occupant, nick: str) -> None:
        """The occupant takes a new nick (the caller checked it)."""
        del self.by_nick[occupant.nick]
        occupant.nick = nick
        self.by_nick[nick] = occupant
        self.changed()

    def changed(self) -> None:
        """Who is in the room changed: look it up afresh, render the next message afresh."""
        self._index = None
        self.fanout = None

    def _indexed(self) -> _Index:
        if self._index is None:
            index = _Index()
            for occupant in self.by_nick.values():  # the first nick of a user, as listed, wins
                index.nicks.setdefault(occupant.user_id, occupant.nick)
                for session_id in occupant.sessions:
                    index.by_session.setdefault(session_id, occupant)
            self._index = index
        return self._index

    def sessions(self) -> list[XmppSession]:
        return [s for occupant in self.by_nick.values() for s in occupant.sessions.values()]


@dataclass
class _Index:
    nicks: dict[int, str] = field(default_factory=dict)  # by user id
    by_session: dict[str, Occupant] = field(default_factory=dict)


@dataclass
class Occupancy:
    """Every room with occupants on this node, by core conversation id."""

    rooms: dict[int, RoomOccupants] = field(default_factory=dict)

    def room(self, conversation_id: int) -> RoomOccupants | None:
        return self.rooms.get(conversation_id)

    def named(self, local: str) -> RoomOccupants | None:
        """The occupied room whose JID has this localpart."""
        return next((room for room in self.rooms.values() if room.local == local), None)

    def joined(self, conversation_id: int, session: XmppSession) -> RoomOccupants | None:
        """The room, if `session` is joined to it."""
        room = self.rooms.get(conversation_id)
        return room if room is not None and room.occupant_of(session) is not None else None

    def occupant(self, conversation_id: int, session: XmppSession) -> Occupant | None:
        room = self.rooms.get(conversation_id)
        return room.occupant_of(session) if room else None

    def add(self, room: RoomOccupants, occupant: Occupant, session: XmppSession) -> Occupant:
        """Join `session` under the occupant's nick; an existing occupant of that nick gains the session."""
        room = self.rooms.setdefault(room.conversation_id, room)
        present = room.by_nick.setdefault(occupant.nick, occupant)
        present.sessions[session.id] = session
        room.changed()
        return present

    def remove(self, conversation_id: int, session: XmppSession) -> Occupant | None:
        """Take the session out; returns the occupant if this was its last session (the nick left)."""
        room = self.rooms.get(conversation_id)
        occupant = room.occupant_of(session) if room else None
        if room is None or occupant is None:
            return None
        del occupant.sessions[session.id]
        room.changed()
        if occupant.sessions:
            return None
        del room.by_nick[occupant.nick]
        if not room.by_nick:
            del self.rooms[conversation_id]
        return occupant

    def rooms_of(self, session: XmppSession) -> list[int]:
        return [cid for cid, room in self.rooms.items() if room.occupant_of(session) is not None]
