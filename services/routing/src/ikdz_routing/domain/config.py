"""Pools, towns and cooperation agreements (DESIGN.md section 3), validated as one configuration.

Capacity is stated either directly (``capacity_per_day``: cases a pool closes on a working day) or
in working hours: the staff hours of a working day (the members' personal hours by default) divided
by the hours a case takes (``hours_per_case``). Deadlines count working days of the owner town's
calendar; escalation (warn, re-route unclaimed work) is set per pool and service.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from typing import Self

from ikdz_contracts.cloudevents import AGS_PATTERN
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import POOL_ID_PATTERN
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from ikdz_routing.domain.calendar import WorkingCalendar
from ikdz_routing.domain.tasks import Role

SKILL_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"


class Member(BaseModel):
    """A clerk of a pool: pseudonymous staff id (the token's ``sub``), roles, skills, personal hours."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    staff_id: str = Field(min_length=1, max_length=255)
    roles: frozenset[Role] = Field(min_length=1)
    skills: frozenset[str] = frozenset()
    hours_per_day: float | None = Field(
        default=None,
        gt=0,
        le=24,
        description="Personal working hours on a working day; default: the pool's office day.",
    )


class Escalation(BaseModel):
    """What the deadline checker does for a pool's tasks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warn_days_before: int = Field(default=1, ge=0, le=30, description="Warn this many working days before the target.")
    reroute_unclaimed: frozenset[ServiceId] = Field(
        default=frozenset(),
        description="Services whose unclaimed tasks move to a partner pool when the target deadline is missed.",
    )


class Pool(BaseModel):
    """A group of clerks in one processing town that works cases of some services."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=POOL_ID_PATTERN)
    processing_ags: str = Field(pattern=AGS_PATTERN)
    services: frozenset[ServiceId] = Field(min_length=1)
    skills: frozenset[str] = frozenset()
    members: tuple[Member, ...] = ()
    calendar: WorkingCalendar | None = Field(default=None, description="Default: the processing town's calendar.")
    capacity_per_day: float | None = Field(default=None, gt=0, description="Cases the pool closes on a working day.")
    hours_per_case: float | None = Field(default=None, gt=0, description="Working hours one case takes.")
    capacity_hours_per_day: float | None = Field(
        default=None, gt=0, description="Staff hours on a working day; default: the members' hours."
    )
    assign_on_arrival: bool = Field(
        default=False, description="Assign each new task to the fittest member (skills, load); else clerks claim."
    )
    escalation: Escalation = Escalation()

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if (self.capacity_per_day is None) == (self.hours_per_case is None):
            msg = "state the capacity either as capacity_per_day or as hours_per_case (with members or capacity_hours_per_day)"
            raise ValueError(msg)
        if self.hours_per_case is not None and self.capacity_hours_per_day is None and not self.members:
            msg = "hours_per_case needs members or capacity_hours_per_day"
            raise ValueError(msg)
        staff = [member.staff_id for member in self.members]
        duplicates = sorted({s for s in staff if staff.count(s) > 1})
        if duplicates:
            msg = f"duplicate members: {', '.join(duplicates)}"
            raise ValueError(msg)
        if self.members:
            held = frozenset().union(*(member.skills for member in self.members))
            unheld = sorted(self.skills - held)
            if unheld:
                msg = f"no member has the pool skills {', '.join(unheld)}"
                raise ValueError(msg)
        return self

    @property
    def working_calendar(self) -> WorkingCalendar:
        return self.calendar or WorkingCalendar.for_town(self.processing_ags)

    def member_hours(self, member: Member) -> float:
        return member.hours_per_day or self.working_calendar.hours_per_day

    @property
    def daily_capacity(self) -> float:
        """Cases per working day: given directly, or staff hours ÷ hours per case."""
        if self.capacity_per_day is not None:
            return self.capacity_per_day
        assert self.hours_per_case is not None  # the validator allows no third way
        hours = self.capacity_hours_per_day or sum(self.member_hours(m) for m in self.members)
        return hours / self.hours_per_case

    def member(self, staff_id: str) -> Member | None:
        return next((m for m in self.members if m.staff_id == staff_id), None)


class Agreement(BaseModel):
    """A Zweckvereinbarung (§ 71 SächsKomZG): the owner town's cases may be worked by another town,
    in all its pools offering the services or, with ``pool_id``, in that one pool only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(min_length=1)
    owner_ags: str = Field(pattern=AGS_PATTERN)
    processing_ags: str = Field(pattern=AGS_PATTERN)
    pool_id: str | None = Field(default=None, pattern=POOL_ID_PATTERN)
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


class ServiceDeadlines(BaseModel):
    """Deadlines of a service in working days of the owner town, counted from the day after arrival."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_target_days: int = Field(ge=1, le=400, description="Target for the whole case.")
    case_legal_days: int | None = Field(default=None, ge=1, le=400, description="Statutory limit, if any.")
    task_target_days: int = Field(default=2, ge=1, le=400, description="Target for a task without its own due date.")

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if self.case_legal_days is not None and self.case_legal_days < self.case_target_days:
            msg = "case_legal_days must not be shorter than case_target_days"
            raise ValueError(msg)
        return self


class RoutingConfig(BaseModel):
    """The whole routing configuration; versioned so every decision names the rules it used."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=100)
    pools: tuple[Pool, ...]
    agreements: tuple[Agreement, ...] = ()
    deadlines: dict[ServiceId, ServiceDeadlines] = Field(default_factory=dict)
    town_calendars: dict[str, WorkingCalendar] = Field(
        default_factory=dict, description="Calendars of owner towns (AGS) that differ from the Saxon default."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [pool.id for pool in self.pools]
        duplicates = sorted({pool_id for pool_id in ids if ids.count(pool_id) > 1})
        if duplicates:
            msg = f"duplicate pool ids: {', '.join(duplicates)}"
            raise ValueError(msg)
        return self

    def reference_problems(self, municipalities: Container[str]) -> list[str]:
        """What points nowhere: towns not among the Saxon municipalities, agreements naming an unknown
        pool or a pool of another town. Each problem starts with the field's path."""
        problems = [
            f"pools.{index}.processing_ags: unknown municipality {pool.processing_ags}"
            for index, pool in enumerate(self.pools)
            if pool.processing_ags not in municipalities
        ]
        pools = {pool.id: pool for pool in self.pools}
        for index, agreement in enumerate(self.agreements):
            for field, ags in (("owner_ags", agreement.owner_ags), ("processing_ags", agreement.processing_ags)):
                if ags not in municipalities:
                    problems.append(f"agreements.{index}.{field}: unknown municipality {ags}")
            if agreement.pool_id is None:
                continue
            pool = pools.get(agreement.pool_id)
            if pool is None:
                problems.append(f"agreements.{index}.pool_id: unknown pool {agreement.pool_id}")
            elif pool.processing_ags != agreement.processing_ags:
                problems.append(
                    f"agreements.{index}.pool_id: pool {pool.id} belongs to {pool.processing_ags},"
                    f" not to {agreement.processing_ags}"
                )
        problems += [
            f"town_calendars.{ags}: unknown municipality {ags}"
            for ags in self.town_calendars
            if ags not in municipalities
        ]
        return problems

    def pools_of(self, ags: str, service: ServiceId) -> list[Pool]:
        return self.lookup().pools_of(ags, service)

    def pool(self, pool_id: str) -> Pool | None:
        return next((pool for pool in self.pools if pool.id == pool_id), None)

    def calendar_of_town(self, ags: str) -> WorkingCalendar:
        """The owner town's calendar, which deadlines count in."""
        return self.town_calendars.get(ags) or WorkingCalendar.for_town(ags)

    def deadlines_of(self, service: ServiceId) -> ServiceDeadlines | None:
        return self.deadlines.get(service)

    # Lookups by town: a state-wide configuration has hundreds of pools and thousands of agreements,
    # and scanning them all for every case made a decision take milliseconds. Built on first use and
    # again whenever pools or agreements are other objects (``model_copy(update=...)`` skips validation).
    _index: tuple[object, object, ConfigIndex] | None = PrivateAttr(default=None)

    def lookup(self) -> ConfigIndex:
        """Pools and agreements by town (take it once per decision).

        Read from ``__pydantic_private__`` directly: ``self._index`` goes through pydantic's
        ``__getattr__`` (a failed ``hasattr`` each time), ~3 µs a read, which was a fifth of a decision.
        """
        index = (self.__pydantic_private__ or {}).get("_index")
        if index is None or index[0] is not self.pools or index[1] is not self.agreements:
            index = (self.pools, self.agreements, ConfigIndex.of(self.pools, self.agreements))
            self._index = index
        return index[2]


@dataclass(frozen=True)
class ConfigIndex:
    by_town: dict[tuple[str, ServiceId], tuple[Pool, ...]]
    by_owner: dict[str, tuple[Agreement, ...]]

    def pools_of(self, ags: str, service: ServiceId) -> list[Pool]:
        """The town's pools for the service, in configuration order."""
        return list(self.by_town.get((ags, service), ()))

    def agreements_of(self, owner_ags: str) -> tuple[Agreement, ...]:
        """The agreements under which other towns may work the owner town's cases, in configuration order."""
        return self.by_owner.get(owner_ags, ())

    @classmethod
    def of(cls, pools: tuple[Pool, ...], agreements: tuple[Agreement, ...]) -> ConfigIndex:
        by_town: dict[tuple[str, ServiceId], list[Pool]] = {}
        for pool in pools:
            for service in sorted(pool.services):
                by_town.setdefault((pool.processing_ags, service), []).append(pool)
        by_owner: dict[str, list[Agreement]] = {}
        for agreement in agreements:
            by_owner.setdefault(agreement.owner_ags, []).append(agreement)
        return cls({k: tuple(v) for k, v in by_town.items()}, {k: tuple(v) for k, v in by_owner.items()})
