"""Login, logout, sessions and personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from roost.api.deps import SESSION_COOKIE, CallerDep, Me, ServicesDep
from roost.api.schemas.auth import CsrfOut, LoginIn, LoginOut, NewTokenOut, TokenIn, TokenOut
from roost.api.schemas.common import Ok, SerialId
from roost.api.schemas.users import UserOut
from roost.core.auth.service import csrf_for
from roost.model.errors import BadRequest, Forbidden

router = APIRouter(tags=["auth"])
SIGNED_IN_COOKIE = "roost_signed_in"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login")
async def login(body: LoginIn, request: Request, response: Response, services: ServicesDep) -> LoginOut:
    """Check the password; set an HttpOnly session cookie and return the CSRF token."""
    agent = request.headers.get("user-agent", "")
    user, issued = await services.auth.login(body.username, body.password, client_address(request), agent)
    secure = request.url.scheme == "https" or request.app.state.settings.http.behind_proxy
    max_age = request.app.state.settings.auth.session_days * 86400
    response.set_cookie(
        SESSION_COOKIE, issued.secret, max_age=max_age, httponly=True, samesite="strict", secure=secure, path="/"
    )
    # No secret: only tells the web client in a new tab that asking for /csrf is worth it.
    response.set_cookie(SIGNED_IN_COOKIE, "1", max_age=max_age, samesite="strict", secure=secure, path="/")
    return LoginOut(user=UserOut.from_model(user), csrf_token=issued.csrf, session_id=issued.info.id)


@router.get("/csrf")
async def csrf_token(caller: CallerDep, request: Request) -> CsrfOut:
    """The CSRF token of the browser session in the cookie, for a new tab of the web client.

    Only for cookie sessions, and only to the server's own pages: a browser marks a
    request from another site (`Sec-Fetch-Site`), and no CORS header lets one read this.
    """
    if request.headers.get("authorization"):
        raise BadRequest("auth.cookie_only", "Only a browser session has a CSRF token.")
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        raise Forbidden("auth.origin", "Only the server's own pages may ask for the CSRF token.")
    return CsrfOut(csrf_token=csrf_for(caller.secret))


@router.post("/logout")
async def logout(caller: CallerDep, response: Response, services: ServicesDep) -> Ok:
    await services.auth.revoke(caller.user, caller.token.id)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(SIGNED_IN_COOKIE, path="/")
    return Ok()


@router.get("/sessions")
async def list_sessions(caller: CallerDep, services: ServicesDep) -> list[TokenOut]:
    """The caller's login sessions and API tokens."""
    tokens = await services.auth.list_tokens(caller.user)
    return [TokenOut.from_model(t, caller.token.id) for t in tokens]


@router.delete("/sessions/{token_id}")
async def revoke_session(token_id: SerialId, me: Me, services: ServicesDep) -> Ok:
    """End one of the caller's sessions or tokens, live connections included."""
    await services.auth.revoke(me, token_id)
    return Ok()


@router.post("/tokens", status_code=201)
async def create_token(body: TokenIn, me: Me, services: ServicesDep) -> NewTokenOut:
    """A personal API token for scripts and bots; its secret is shown only here."""
    issued = await services.auth.create_api_token(me, body.name)
    return NewTokenOut(token=TokenOut.from_model(issued.info), secret=issued.secret)
