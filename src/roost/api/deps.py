"""Request dependencies: the services, and who is asking."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from roost.core.auth.service import csrf_for
from roost.core.services import Services
from roost.model.auth import TokenInfo
from roost.model.errors import Forbidden, NotAuthorized
from roost.model.users import User

SESSION_COOKIE = "roost_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SearchText = Annotated[str, Query(max_length=200, description="Words to look for; empty for everything.")]

bearer = HTTPBearer(auto_error=False, description="A personal API token (POST /api/v1/tokens).")
cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Browser session from POST /api/v1/login.")


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


@dataclass(frozen=True)
class Caller:
    user: User
    token: TokenInfo
    secret: str


def check_csrf(secret: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(given, csrf_for(secret)):
        raise Forbidden("auth.csrf", "Missing or wrong X-CSRF-Token header.")


async def current_caller(
    request: Request,
    services: ServicesDep,
    bearer_credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    cookie_secret: Annotated[str | None, Depends(cookie)],
) -> Caller:
    """Bearer token, or session cookie plus CSRF token on state-changing requests."""
    if bearer_credentials is not None:
        user, token = await services.auth.resolve(bearer_credentials.credentials)
        return Caller(user, token, bearer_credentials.credentials)
    if not cookie_secret:
        raise NotAuthorized("auth.required", "Log in first.")
    user, token = await services.auth.resolve(cookie_secret)  # a stale cookie is a 401, not a CSRF 403
    if request.method not in SAFE_METHODS:
        check_csrf(cookie_secret, request.headers.get(CSRF_HEADER))
    return Caller(user, token, cookie_secret)


CallerDep = Annotated[Caller, Depends(current_caller)]


async def current_user(caller: CallerDep) -> User:
    return caller.user


Me = Annotated[User, Depends(current_user)]
