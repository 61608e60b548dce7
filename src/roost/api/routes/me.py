"""The caller's own account."""

from __future__ import annotations

from fastapi import APIRouter, Request

from roost.api.deps import Me, ServicesDep
from roost.api.routes.auth import client_address
from roost.api.schemas.common import Ok
from roost.api.schemas.users import PasswordIn, ProfileIn, UserOut

router = APIRouter(tags=["me"])


@router.get("/me")
async def get_me(me: Me) -> UserOut:
    return UserOut.from_model(me)


@router.patch("/me")
async def update_me(body: ProfileIn, me: Me, services: ServicesDep) -> UserOut:
    user = await services.accounts.update_profile(
        me.id, display_name=body.display_name, title=body.title, department=body.department
    )
    return UserOut.from_model(user)


@router.put("/me/password")
async def change_password(body: PasswordIn, me: Me, services: ServicesDep, request: Request) -> Ok:
    await services.auth.change_own_password(me, body.current_password, body.new_password, client_address(request))
    return Ok()
