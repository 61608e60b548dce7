"""Logins, browser sessions, personal API tokens and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from roost.core.accounts.service import AccountsService
from roost.core.auth.throttle import Throttle
from roost.core.clock import Clock
from roost.core.events import SessionsRevoked
from roost.core.routing.service import Router
from roost.model.auth import IssuedToken, TokenInfo, TokenKind
from roost.model.errors import BadRequest, NotAuthorized, NotFound
from roost.model.users import User
from roost.store.protocols import TokenStore

TOKEN_NAME_MAX = 200
TOUCH_EVERY = timedelta(minutes=5)


def hash_secret(secret: str) -> bytes:
    """Tokens are 256-bit random: a plain SHA-256 is enough to store them."""
    return hashlib.sha256(secret.encode()).digest()


def csrf_for(secret: str) -> str:
    """The CSRF token bound to a session secret; needs no storage."""
    return hmac.new(secret.encode(), b"roost-csrf", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuthService:
    accounts: AccountsService
    tokens: TokenStore
    router: Router
    clock: Clock
    account_throttle: Throttle
    address_throttle: Throttle
    session_lifetime: timedelta = timedelta(days=30)
    _announced: set[int] = field(default_factory=set)  # disabled accounts the sweep has ended

    async def login(self, username: str, password: str, address: str, agent: str = "") -> tuple[User, IssuedToken]:
        """Check a password (throttled per account and per address) and open a session."""
        user = await self._checked(username, password, address)
        issued = await self._issue(user.id, TokenKind.SESSION, agent[:TOKEN_NAME_MAX], self.session_lifetime)
        return user, issued

    async def change_own_password(self, user: User, current: str, new: str, address: str) -> None:
        """The current password is checked as a login's is: a stolen session must not guess it
        at full speed (nor burn a hash's CPU per request)."""
        await self._checked(user.username, current, address)
        await self.accounts.set_password(user.id, new)

    async def _checked(self, username: str, password: str, address: str) -> User:
        account_key = username.strip().lower()[:256]
        self.account_throttle.check(account_key)
        self.address_throttle.check(address)
        try:
            user = await self.accounts.check_password(username, password)
        except NotAuthorized:
            self.account_throttle.failed(account_key)
            self.address_throttle.failed(address)
            raise
        self.account_throttle.succeeded(account_key)
        return user

    async def create_api_token(self, user: User, name: str) -> IssuedToken:
        name = name.strip()
        if not name or len(name) > TOKEN_NAME_MAX:
            raise BadRequest("token.name", f"Give the token a name of 1 to {TOKEN_NAME_MAX} characters.")
        if any(ord(c) < 32 for c in name):  # PostgreSQL cannot store NUL; no name needs control characters
            raise BadRequest("token.name_char", "The token name contains control characters.")
        return await self._issue(user.id, TokenKind.API, name, None)

    async def _issue(self, user_id: int, kind: TokenKind, name: str, lifetime: timedelta | None) -> IssuedToken:
        secret = secrets.token_urlsafe(32)
        now = self.clock.now()
        expires = now + lifetime if lifetime else None
        info = await self.tokens.create(
            user_id=user_id, kind=kind, name=name, secret_hash=hash_secret(secret), now=now, expires_at=expires
        )
        return IssuedToken(info=info, secret=secret, csrf=csrf_for(secret))

    async def resolve(self, secret: str) -> tuple[User, TokenInfo]:
        """Who holds this token; NotAuthorized if it is unknown, expired or its user disabled."""
        info = await self.tokens.find(hash_secret(secret))
        now = self.clock.now()
        if info is None or (info.expires_at is not None and info.expires_at <= now):
            raise NotAuthorized("auth.required", "Log in first.")
        user = await self.accounts.users.get(info.user_id)
        if user is None or user.is_disabled:
            raise NotAuthorized("auth.required", "Log in first.")
        if info.last_used_at is None or now - info.last_used_at > TOUCH_EVERY:
            await self.tokens.touch(info.id, now)
        return user, info

    async def list_tokens(self, user: User) -> list[TokenInfo]:
        return await self.tokens.list_for(user.id)

    async def sweep_revoked(self) -> int:
        """Close live sessions whose login was revoked elsewhere (the CLI, another node): every
        session of an account disabled or deleted there (XMPP streams, which hold no token,
        included), and a web or API session whose token is gone."""
        sessions = self.router.all_sessions()
        user_ids = list({s.user_id for s in sessions})
        disabled = await self.accounts.disabled_among(user_ids)  # ids only: read every 2 s
        announced = self._announced
        for user_id in disabled - announced:  # once: closing may take passes
            announced.add(user_id)  # (everyone's directory hears of it from accounts.follow_elsewhere)
            self.router.send(SessionsRevoked(user_id, None, "account disabled"), frozenset({user_id}))
        announced.intersection_update(user_ids)  # forget those whose sessions are gone
        with_token = [s for s in sessions if s.token_id is not None and s.user_id not in disabled]
        alive = await self.tokens.existing(list({s.token_id for s in with_token if s.token_id is not None}))
        gone = [s for s in with_token if s.token_id not in alive]
        # Disabling commits the account, then deletes its tokens: a sweep that read the account
        # before and the tokens after asks again, so the reason given is the disabling.
        disabled_since = await self.accounts.disabled_among(list({s.user_id for s in gone})) if gone else set()
        for session in gone:
            reason = "account disabled" if session.user_id in disabled_since else "logged out"
            self.router.send(SessionsRevoked(session.user_id, session.token_id, reason), None)
        return len(gone)

    async def revoke(self, user: User, token_id: int) -> None:
        """End one of the user's own sessions or tokens, live connections included."""
        if not await self.tokens.delete(user.id, token_id):
            raise NotFound("token.not_found", "No such session or token.")
        self.router.send(SessionsRevoked(user.id, token_id, "logged out"), frozenset({user.id}))
