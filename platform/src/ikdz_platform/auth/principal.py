"""Who is calling: a clerk, coordinator, approver or admin, with the towns and pools they act for."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from ikdz_contracts.cloudevents import AGS_PATTERN
from ikdz_contracts.topics import POOL_ID_PATTERN
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = [
    "CLAIM_POOLS",
    "CLAIM_ROLES",
    "CLAIM_TOWNS",
    "Ags",
    "PoolId",
    "Role",
    "StaffPrincipal",
]

CLAIM_TOWNS = "ikdz_towns"
"""JSON array of the 8-digit AGS of the towns the person works for."""
CLAIM_POOLS = "ikdz_pools"
"""JSON array of the pool ids the person is a member of."""
CLAIM_ROLES = "ikdz_roles"
"""JSON array of role names (see :class:`Role`); unknown names are ignored."""

Ags = Annotated[str, Field(pattern=AGS_PATTERN)]
PoolId = Annotated[str, Field(pattern=POOL_ID_PATTERN)]


class Role(StrEnum):
    """What a member of staff may do. Roles do not imply each other: an admin is not a clerk."""

    CLERK = "clerk"
    """Works cases and tasks of her pools."""
    COORDINATOR = "coordinator"
    """Sees the backlog and deadlines of her pools, assigns and reassigns with a reason."""
    APPROVER = "approver"
    """Gives the second signature of four-eyes tasks."""
    ADMIN = "admin"
    """Administers towns, pools and agreements."""


class StaffPrincipal(BaseModel):
    """A verified member of staff. ``subject`` is pseudonymous; ``name`` is for display only and
    never goes onto citizen-facing pages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = Field(min_length=1, max_length=255, description="Pseudonymous staff id (the token's sub).")
    name: str = Field(min_length=1, max_length=255, description="Display name.")
    towns: frozenset[Ags] = Field(description="AGS of the towns the person works for.")
    pools: frozenset[PoolId] = Field(description="Pools the person is a member of.")
    roles: frozenset[Role]
    issuer: str = Field(min_length=1)
    expiry: AwareDatetime

    def has_role(self, *roles: Role) -> bool:
        """True if the person has at least one of ``roles``."""
        return not self.roles.isdisjoint(roles)

    def works_in_pool(self, pool_id: str) -> bool:
        return pool_id in self.pools

    def acts_for_town(self, ags: str) -> bool:
        return ags in self.towns

    def expired_at(self, now: datetime) -> bool:
        return now >= self.expiry
