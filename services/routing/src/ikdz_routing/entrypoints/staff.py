"""Who acts in the worklists: the verified staff token, as the routing domain's ``Actor``.

No ``from __future__ import annotations``: FastAPI must resolve the nested dependency at runtime."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from ikdz_platform.auth.principal import StaffPrincipal

from ikdz_routing.domain.tasks import Actor, Role


def actor_from(
    current_staff: Callable[..., Awaitable[StaffPrincipal]],
    pool_town: Callable[[str], str | None],
) -> Callable[..., Awaitable[Actor]]:
    """A FastAPI dependency giving the caller as an ``Actor`` (401/403 come from ``current_staff``).

    The acting town is the (lowest) town the token names; on a task, someone who works for several
    towns acts for the town of the task's pool (``ActOnTask``). Of the pools the token names, only
    those of a town it also names count (``pool_town`` gives a pool's processing town, ``None`` for
    an unknown pool): a wrong pool mapping at the identity provider must not open another town's
    worklist.
    """

    async def resolve(principal: Annotated[StaffPrincipal, Depends(current_staff)]) -> Actor:
        return Actor(
            staff_id=principal.subject,
            pools=frozenset(pool for pool in principal.pools if pool_town(pool) in principal.towns),
            roles=frozenset(Role(str(role)) for role in principal.roles),
            acting_ags=min(principal.towns, default=""),
            towns=frozenset(principal.towns),
        )

    return resolve
