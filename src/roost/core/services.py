"""The frozen bundle of core services that transports are given."""

from __future__ import annotations

from dataclasses import dataclass

from roost.core.accounts.service import AccountsService
from roost.core.admin.service import AdminService
from roost.core.archive.catchup import CatchUpService
from roost.core.archive.offline import OfflineService
from roost.core.archive.query import ArchiveQueryService
from roost.core.archive.service import ArchiveService
from roost.core.auth.sasl import SaslService
from roost.core.auth.service import AuthService
from roost.core.avatars.service import AvatarService
from roost.core.blocking.service import BlockingService
from roost.core.clock import Clock
from roost.core.conversations.elsewhere import RoomChangesElsewhere
from roost.core.conversations.relay import RelayService
from roost.core.conversations.service import ConversationService
from roost.core.directory.roster import RosterService
from roost.core.directory.service import DirectoryService
from roost.core.files.service import FilesService
from roost.core.pep.private import PrivateStorageService
from roost.core.pep.service import PepService
from roost.core.presence.service import PresenceService
from roost.core.push.service import PushService
from roost.core.routing.service import Router


@dataclass(frozen=True)
class Services:
    clock: Clock
    router: Router
    accounts: AccountsService
    auth: AuthService
    sasl: SaslService
    directory: DirectoryService
    presence: PresenceService
    conversations: ConversationService
    archive: ArchiveService
    catchup: CatchUpService
    files: FilesService
    avatars: AvatarService
    admin: AdminService
    archive_queries: ArchiveQueryService
    offline: OfflineService
    relay: RelayService
    pep: PepService
    private: PrivateStorageService
    blocking: BlockingService
    push: PushService
    roster: RosterService
    rooms_elsewhere: RoomChangesElsewhere  # the admin CLI's room changes, told to live sessions
