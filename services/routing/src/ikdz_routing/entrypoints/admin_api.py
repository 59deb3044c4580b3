"""Admin API of the routing configuration: the version in force, its history, a new version, a reload.

Only the admin role may use it. A new configuration is validated completely (fields, towns, pools)
before it takes effect; errors come back as a 422 problem naming each field.

No ``from __future__ import annotations``: FastAPI must see the dependency in the route signatures."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from ikdz_platform.problems import PROBLEM, problem
from pydantic import BaseModel, Field

from ikdz_routing.app.config_admin import ConfigAdmin
from ikdz_routing.domain.tasks import Actor, Role
from ikdz_routing.errors import ConfigError, ConfigVersionConflictError

ActorResolver = Callable[[Request], Awaitable[Actor]]
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"content": {PROBLEM: {}}} for code in (401, 403, 409, 422)}


class NewConfiguration(BaseModel):
    config: dict[str, Any] = Field(description="The whole routing configuration, as in the YAML file.")
    reason: str = Field(min_length=1, max_length=2000, description="Why the rules change (kept in the history).")


class Reload(BaseModel):
    reason: str = Field(default="reload requested", min_length=1, max_length=2000)


def _invalid(error: ConfigError) -> JSONResponse:
    status = 409 if isinstance(error, ConfigVersionConflictError) else 422
    return problem(status, "Invalid configuration", str(error))


def admin_router(admin: ConfigAdmin, resolve_actor: ActorResolver) -> APIRouter:
    router = APIRouter(prefix="/api/v1/admin", tags=["configuration"], responses=_ERRORS)

    async def current_admin(actor: Annotated[Actor, Depends(resolve_actor)]) -> Actor:
        if Role.ADMIN not in actor.roles:
            raise HTTPException(403, "the admin role is required")
        return actor

    Admin = Annotated[Actor, Depends(current_admin)]  # noqa: N806 - a type alias

    @router.get("/config", response_model=None)
    async def current(_actor: Admin) -> dict[str, Any]:
        """The configuration in force, its version, and the last rejected file edit (if any)."""
        config = admin.active.current
        return {
            "version": config.version,
            "seq": admin.active.seq,
            "config": config.model_dump(mode="json"),
            "last_file_error": admin.last_file_error,
        }

    @router.put("/config", response_model=None, status_code=201)
    async def replace(body: NewConfiguration, actor: Admin) -> dict[str, Any] | JSONResponse:
        """Validate a new configuration, store it as a new version and put it in force at once."""
        try:
            config = await admin.publish(body.config, actor=actor.staff_id, reason=body.reason)
        except ConfigError as error:
            return _invalid(error)
        return {"version": config.version, "seq": admin.active.seq}

    @router.post("/config:reload", response_model=None)
    async def reload(body: Reload, actor: Admin) -> dict[str, Any] | JSONResponse:
        """Re-read the configuration file now (it is also re-read when it changes)."""
        try:
            config = await admin.reload_file(actor=actor.staff_id, reason=body.reason)
        except ConfigError as error:
            return _invalid(error)
        return {"version": config.version, "seq": admin.active.seq}

    @router.get("/config/versions", response_model=None)
    async def versions(_actor: Admin) -> dict[str, Any]:
        """Every version that was in force: who activated it, when, why; hash-chained and verified."""
        return await admin.history()

    return router
