"""Staff access to the clerk pages: authenticate, then bind the caller for the access rule.

No ``from __future__ import annotations``: FastAPI must resolve the nested dependency at runtime."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from ikdz_platform.auth.principal import StaffPrincipal

from ikdz_einvoice.app.staff_view import bind_staff


def staff_binding(current_staff: Callable[..., Awaitable[StaffPrincipal]]) -> Callable[..., Awaitable[None]]:
    """A router dependency: 401/403 from ``current_staff``, else the caller is bound for the request."""

    async def bind(staff: Annotated[StaffPrincipal, Depends(current_staff)]) -> None:
        bind_staff(staff)

    return bind
