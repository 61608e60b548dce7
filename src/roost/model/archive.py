"""Archive queries: filtered, cursor-paged reads over the messages of some conversations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from roost.model.messages import LogEntry, Message


@dataclass(frozen=True, slots=True)
class ArchiveFilter:
    """Which messages match: all bounds are optional and exclusive for ids, inclusive for times."""

    start: datetime | None = None
    end: datetime | None = None
    after_id: int | None = None
    before_id: int | None = None
    not_from: int | None = None  # leave out this sender's messages (offline delivery)
    only_from: int | None = None  # this sender's messages only (a room's archive, MAM `with`)


@dataclass(frozen=True, slots=True)
class ArchiveQuery:
    """A page of the matching messages of `conversation_ids` (a person's direct chats, or one room).

    Paging: `after` (oldest first from there), `before` (the newest ones before it), or
    `newest` (the last page); with none of them, the first (oldest) page.
    """

    conversation_ids: tuple[int, ...]
    match: ArchiveFilter = ArchiveFilter()
    after: int | None = None
    before: int | None = None
    newest: bool = False
    limit: int = 50
    # The edits, deletions and reaction changes in the range are entries too, each at its event's
    # id (XEP-0313: a client catching up gets them; none with a sender filter).
    with_changes: bool = False


@dataclass(frozen=True, slots=True)
class ArchivePage:
    """Messages in ascending id order; `complete`: nothing more in the paging direction."""

    messages: tuple[Message, ...]
    complete: bool
    count: int  # how many entries match the filter, over all pages
    changes: tuple[LogEntry, ...] = ()  # with `with_changes`: the page's changes, in id order too
