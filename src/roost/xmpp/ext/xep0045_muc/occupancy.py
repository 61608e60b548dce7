"""Who is joined to which room, under which nick, from which XMPP streams (this process only).

One person may be joined under several nicks (a client per nick). What one of their streams
sends comes from that stream's nick (XEP-0045 §7.4), so the room remembers which stream
last sent something (`note_sender`) and which nick each message was sent under
(`Occupancy.note_sent`), the way 1:1 chat remembers the sending resource (`SessionHub.note_sent`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roost.core.events import MessageCreated, PayloadRelayed
from roost.model.conversations import Role
from roost.model.messages import Message
from roost.model.presence import Presence
from roost.xmpp.xml import SharedStanza

if TYPE_CHECKING:
    from roost.xmpp.session import XmppSession

SENT_NICKS_KEPT = 10_000


@dataclass
class Occupant:
    """One nick in one room: a user, joined from one or more of their streams (multi-session)."""

    nick: str
    user_id: int
    role: Role
    sessions: dict[str, XmppSession] = field(default_factory=dict)  # by session id
    # The show and status its client last sent to the room (RFC 6121 §4.6 directed presence),
    # when that presence had any: the room shows them instead of the person's overall presence.
    stated: Presence | None = None


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
    # The stream of each person that last sent something to the room (by user id): the reaction,
    # marker or chat state it sent comes back from its nick (`nick_of_sender`).
    _senders: dict[int, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def nick_of_user(self, user_id: int) -> str | None:
        """One nick of the user (the first listed), for what no stream of theirs sent (the web's)."""
        return self._indexed().nicks.get(user_id)

    def occupants_of_user(self, user_id: int) -> list[Occupant]:
        """Every nick the user is joined under (one per client, if their clients chose so)."""
        return list(self._indexed().by_user.get(user_id, ()))

    def occupant_of(self, session: XmppSession) -> Occupant | None:
        return self._indexed().by_session.get(session.id)

    def nick_of_session(self, session: XmppSession | None) -> str | None:
        """The nick a stream is joined under here, if it is."""
        occupant = self._indexed().by_session.get(session.id) if session is not None else None
        return occupant.nick if occupant is not None else None

    def note_sender(self, session: XmppSession) -> None:
        """The stream sent something to the room: what the core makes of it comes from its nick."""
        self._senders[session.user_id] = session.id

    def nick_of_sender(self, user_id: int) -> str | None:
        """The nick of the user's stream that last sent something here, if still joined; else `nick_of_user`."""
        session_id = self._senders.get(user_id)
        occupant = self._indexed().by_session.get(session_id) if session_id is not None else None
        return occupant.nick if occupant is not None else self.nick_of_user(user_id)

    def nick_shown(self, user_id: int, sent_under: str | None) -> str | None:
        """The nick something of the user's shows: the one it was sent under, unless someone else
        holds that nick now (a nick is one person's at a time); else `nick_of_user`."""
        holder = self.by_nick.get(sent_under) if sent_under is not None else None
        if sent_under is not None and (holder is None or holder.user_id == user_id):
            return sent_under
        return self.nick_of_user(user_id)

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
                index.by_user.setdefault(occupant.user_id, []).append(occupant)
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
    by_user: dict[int, list[Occupant]] = field(default_factory=dict)


@dataclass
class Occupancy:
    """Every room with occupants on this node, by core conversation id."""

    rooms: dict[int, RoomOccupants] = field(default_factory=dict)
    # The nick each room message was sent under, by (room, sender, client id): the newest
    # SENT_NICKS_KEPT, outliving the sender's stay (history and MAM show the same occupant JID).
    _sent: OrderedDict[tuple[int, int, str], str] = field(default_factory=OrderedDict, repr=False)

    def note_sent(self, conversation_id: int, sender_id: int, client_id: str, nick: str) -> None:
        """A message is being sent to the room under `nick` (XEP-0045 §7.4: it comes from that occupant JID)."""
        key = (conversation_id, sender_id, client_id)
        self._sent[key] = nick
        self._sent.move_to_end(key)
        while len(self._sent) > SENT_NICKS_KEPT:
            self._sent.popitem(last=False)

    def sent_nick(self, message: Message) -> str | None:
        """The nick the message was sent under; None if sent from the web, or forgotten."""
        key = message.client_key
        return None if key is None else self._sent.get((message.conversation_id, message.sender_id, key))

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
