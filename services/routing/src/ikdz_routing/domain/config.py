"""Pools, towns and cooperation agreements (DESIGN.md section 3), validated as one configuration."""

from __future__ import annotations

from datetime import date
from typing import Self

from ikdz_contracts.cloudevents import AGS_PATTERN
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import POOL_ID_PATTERN
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Pool(BaseModel):
    """A group of clerks in one processing town that works cases of some services."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=POOL_ID_PATTERN)
    processing_ags: str = Field(pattern=AGS_PATTERN)
    services: frozenset[ServiceId] = Field(min_length=1)
    skills: frozenset[str] = frozenset()
    capacity_per_day: float = Field(gt=0, description="Cases the pool closes on a working day.")


class Agreement(BaseModel):
    """A Zweckvereinbarung (§ 71 SächsKomZG): the owner town's cases may be worked by another town."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(min_length=1)
    owner_ags: str = Field(pattern=AGS_PATTERN)
    processing_ags: str = Field(pattern=AGS_PATTERN)
    services: frozenset[ServiceId] = Field(min_length=1)
    valid_from: date
    valid_to: date | None = None

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if self.owner_ags == self.processing_ags:
            msg = "owner_ags and processing_ags must differ"
            raise ValueError(msg)
        if self.valid_to is not None and self.valid_to < self.valid_from:
            msg = "valid_to lies before valid_from"
            raise ValueError(msg)
        return self


class RoutingConfig(BaseModel):
    """The whole routing configuration; versioned so every decision names the rules it used."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    pools: tuple[Pool, ...]
    agreements: tuple[Agreement, ...] = ()

    @model_validator(mode="after")
    def _unique_pool_ids(self) -> Self:
        ids = [pool.id for pool in self.pools]
        duplicates = sorted({pool_id for pool_id in ids if ids.count(pool_id) > 1})
        if duplicates:
            msg = f"duplicate pool ids: {', '.join(duplicates)}"
            raise ValueError(msg)
        return self

    def pools_of(self, ags: str, service: ServiceId) -> list[Pool]:
        return [pool for pool in self.pools if pool.processing_ags == ags and service in pool.services]
