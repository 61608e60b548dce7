"""The composition root: config -> store -> bus -> core services -> transports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from roost.bus.local import LocalBus
from roost.config import Settings
from roost.core.accounts import passwords
from roost.core.accounts.service import AccountsService
from roost.core.admin.service import AdminService
from roost.core.archive.catchup import CatchUpService
from roost.core.archive.offline import OfflineService
from roost.core.archive.query import ArchiveQueryService
from roost.core.archive.service import ArchiveLimits, ArchiveService
from roost.core.auth.sasl import SaslService
from roost.core.auth.service import AuthService
from roost.core.auth.throttle import Throttle
from roost.core.avatars.images import Sizes
from roost.core.avatars.service import AvatarLimits, AvatarService
from roost.core.blocking.lists import Blocklists
from roost.core.blocking.service import BlockingService
from roost.core.clock import Clock, SystemClock
from roost.core.conversations.elsewhere import RoomChangesElsewhere
from roost.core.conversations.relay import RelayService
from roost.core.conversations.service import ConversationService
from roost.core.directory.roster import RosterService
from roost.core.directory.service import DirectoryService
from roost.core.files.intake import ImagePolicy, Intake
from roost.core.files.service import FileLimits, FilesService
from roost.core.pep.private import PrivateStorageService
from roost.core.pep.service import PepService
from roost.core.presence.service import PresenceService
from roost.core.push.service import PushService
from roost.core.routing.service import Router
from roost.core.services import Services
from roost.model.ids import ADMIN_TOOL_NODE, IdGenerator
from roost.store.files.disk import DiskBlobStore
from roost.store.files.staging import DiskStaging
from roost.store.sql.stores import SqlStores, open_stores


@dataclass
class Runtime:
    """Everything a running server (or one CLI command) holds; `start` in the event loop."""

    settings: Settings
    stores: SqlStores
    bus: LocalBus
    services: Services

    def start(self) -> None:
        self.stores.start()

    async def stop(self) -> None:
        await self.stores.close()


def build_files(
    settings: Settings, stores: SqlStores, conversations: ConversationService, ids: IdGenerator, clock: Clock
) -> FilesService:
    """Files: uploads staged under <data>/files/staging, content under <data>/files/blobs."""
    config = settings.files
    blobs = DiskBlobStore(settings.files_dir / "blobs")
    intake = Intake(
        stores.files,
        DiskStaging(settings.files_dir / "staging"),
        blobs,
        ids,
        clock,
        ImagePolicy(config.strip_gps, config.thumbnail_pixels, config.image_max_pixels),
        link_lifetime=timedelta(days=config.link_days) if config.link_days else None,
    )
    limits = FileLimits(
        max_file_bytes=config.max_file_bytes,
        user_quota_bytes=config.user_quota_bytes,
        org_quota_bytes=config.org_quota_bytes,
        attachments_per_message=config.attachments_per_message,
        upload_lifetime=timedelta(hours=config.upload_expiry_hours),
        unattached_lifetime=timedelta(hours=config.unattached_hours),
        slot_lifetime=timedelta(seconds=config.slot_seconds),
    )
    return FilesService(stores.files, blobs, intake, conversations, ids, clock, limits)


def build_avatars(
    settings: Settings, stores: SqlStores, files: FilesService, accounts: AccountsService
) -> AvatarService:
    """Avatars: images in the file store's blobs, staged where uploads are."""
    config = settings.files
    sizes = Sizes(config.avatar_pixels, config.avatar_small_pixels, config.image_max_pixels)
    intake = files.intake
    limits = AvatarLimits(config.avatar_max_bytes, sizes)
    return AvatarService(
        stores.avatars, files.blobs, intake.staging, intake.blob_lock, accounts, files.ids, files.clock, limits
    )


def build_services(
    settings: Settings, stores: SqlStores, bus: LocalBus, clock: Clock, *, node: int | None = None
) -> Services:
    router = Router(bus)
    ids = IdGenerator(node=settings.node_id if node is None else node)
    auth_settings = settings.auth
    passwords.configure(
        time_cost=auth_settings.argon2_time_cost,
        memory_kib=auth_settings.argon2_memory_kib,
        parallelism=auth_settings.argon2_parallelism,
    )
    accounts = AccountsService(stores.users, stores.tokens, router, clock, settings.limits.password_min_chars)
    auth = AuthService(
        accounts,
        stores.tokens,
        router,
        clock,
        account_throttle=Throttle(
            clock, free=auth_settings.throttle_free_failures, max_delay=auth_settings.throttle_max_delay_seconds
        ),
        address_throttle=Throttle(
            clock, free=auth_settings.address_throttle_free_failures, max_delay=auth_settings.throttle_max_delay_seconds
        ),
        session_lifetime=timedelta(days=auth_settings.session_days),
    )
    conversations = ConversationService(stores.conversations, stores.users, router, ids, clock)
    limits = ArchiveLimits(
        settings.limits.message_max_chars,
        settings.limits.history_page_max,
        settings.limits.search_results_max,
        extras_max_chars=settings.xmpp.max_stanza_bytes,
        reactions_per_person=settings.limits.reactions_per_person,
        deletion_reason_max_chars=settings.limits.deletion_reason_max_chars,
    )
    files = build_files(settings, stores, conversations, ids, clock)
    blocks = Blocklists(stores.blocks, conversations, router, clock)
    conversations.blocks = blocks
    archive = ArchiveService(
        stores.messages, stores.search, stores.users, conversations, router, ids, clock, limits, files, blocks
    )
    directory = DirectoryService(stores.directory, accounts, conversations, settings.shared_roster)
    audience = blocks.narrow(directory.presence_audience)
    presence = PresenceService(
        stores.users, router, clock, audience=audience, sees=directory.visible_to, hidden=blocks.hidden_from
    )
    catchup = CatchUpService(
        stores.events,
        stores.messages,
        conversations,
        ids,
        clock,
        limit=settings.limits.catchup_max_events,
        retention_days=settings.retention.message_days,
    )
    return Services(
        clock=clock,
        router=router,
        accounts=accounts,
        auth=auth,
        sasl=SaslService(stores.users, auth.account_throttle, auth.address_throttle),
        directory=directory,
        presence=presence,
        conversations=conversations,
        archive=archive,
        catchup=catchup,
        files=files,
        avatars=build_avatars(settings, stores, files, accounts),
        admin=AdminService(accounts, directory, conversations),
        archive_queries=ArchiveQueryService(
            stores.archive, stores.messages, conversations, settings.limits.history_page_max
        ),
        offline=OfflineService(stores.archive, ids, catchup=catchup),
        relay=RelayService(conversations, settings.xmpp.max_stanza_bytes, blocks),
        pep=PepService(stores.pep, router, ids, clock, audience),  # presence-access nodes: as presence (blocks too)
        private=PrivateStorageService(stores.private),
        blocking=BlockingService(blocks, stores.users, presence, router, clock, settings.limits.blocklist_max),
        push=PushService(stores.push, clock, settings.xmpp.push_registrations_max),
        roster=RosterService(stores.directory, accounts, directory, router),
        rooms_elsewhere=RoomChangesElsewhere(catchup, conversations, ADMIN_TOOL_NODE),
    )


def build_runtime(settings: Settings, *, node: int | None = None) -> Runtime:
    """Migrate the database and wire every layer (call `start()` inside the event loop)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stores = open_stores(
        settings.database_url,
        synchronous=settings.database.sqlite_synchronous,
        batch_max=settings.database.batch_max,
        commit_delay=settings.database.commit_delay_ms / 1000,
        pool_size=settings.database.pool_size,
    )
    bus = LocalBus()
    return Runtime(settings, stores, bus, build_services(settings, stores, bus, SystemClock(), node=node))
