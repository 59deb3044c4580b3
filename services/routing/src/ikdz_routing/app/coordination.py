"""Use case: the coordinator's overview — backlog and deadline traffic lights per pool and per owner
town, over the tasks and the open cases of the pools the coordinator works for (nothing else), and
what needs attention.

Open cases count with the light of their own deadline once the deadline checker has warned or
escalated them (its flags, read per pool by an indexed equality): a case is green until its warning
day, and the checker files it under that day, so the view reads no route at all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ikdz_routing.app.case_deadlines import CaseTerms
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.ports import CaseDeadlineStore, Clock
from ikdz_routing.app.task_deadlines import TaskTerms
from ikdz_routing.app.tasks import Worklists
from ikdz_routing.domain.calendar import saxon_day
from ikdz_routing.domain.deadlines import Light, worst
from ikdz_routing.domain.tasks import Action, Actor, Role, Task, TaskRuleError, TaskState

RANK = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2}


@dataclass(frozen=True)
class TaskLight:
    task: Task
    due: date | None
    light: Light


@dataclass(frozen=True)
class CaseLight:
    """An open case the deadline checker warned or escalated, with its deadlines' light today."""

    case_id: str
    file_number: str | None
    service: str
    owner_ags: str
    pool_id: str
    target: date | None
    legal: date | None
    due: date | None
    light: Light
    escalated: bool  # else warned
    since: datetime  # when the checker recorded that


@dataclass
class Backlog:
    """One row of the overview: a pool or an owner town."""

    key: str
    open: int = 0
    claimed: int = 0
    escalated: int = 0
    cases_warned: int = 0  # open cases whose own deadline is near (the deadline checker's warning)
    cases_escalated: int = 0  # open cases whose own deadline was missed (the checker's escalation)
    lights: Counter[Light] = field(default_factory=Counter)  # of the tasks
    case_lights: Counter[Light] = field(default_factory=Counter)  # of the warned and escalated cases

    @property
    def worst(self) -> Light:
        return worst(lt for counts in (self.lights, self.case_lights) for lt, n in counts.items() if n)

    def add(self, item: TaskLight) -> None:
        self.open += item.task.state is TaskState.OPEN
        self.claimed += item.task.state is TaskState.CLAIMED
        self.escalated += item.task.escalated
        self.lights[item.light] += 1

    def add_case(self, case: CaseLight) -> None:
        self.cases_escalated += case.escalated
        self.cases_warned += not case.escalated
        self.case_lights[case.light] += 1


@dataclass(frozen=True)
class Overview:
    pools: list[Backlog]
    towns: list[Backlog]
    attention: list[TaskLight]  # red or yellow or escalated, most urgent first
    tasks: list[TaskLight]
    cases: list[CaseLight]  # warned or escalated open cases, most urgent first


class DeadlineLights:
    """Traffic lights today in the owner town's calendar with the pool's warning time: of a task's
    due day, and of a case's target and legal date."""

    def __init__(self, active: ActiveConfig, clock: Clock) -> None:
        self._active = active
        self._clock = clock

    def of(self, task: Task) -> TaskLight:
        terms = TaskTerms.of(task, self._active.current)
        return TaskLight(task, terms.due, terms.light(saxon_day(self._clock())))

    def of_case(self, case: Mapping[str, Any]) -> tuple[CaseTerms, Light] | None:
        """None for a case without deadlines."""
        terms = CaseTerms.of(case, self._active.current)
        return None if terms is None else (terms, terms.light(saxon_day(self._clock())))


class Coordination:
    def __init__(self, worklists: Worklists, lights: DeadlineLights, cases: CaseDeadlineStore) -> None:
        self._worklists = worklists
        self._lights = lights
        self._cases = cases

    async def overview(self, actor: Actor) -> Overview:
        if Role.COORDINATOR not in actor.roles:
            raise TaskRuleError("forbidden", "the coordinator view needs the coordinator role")
        items = [self._lights.of(task) for task in await self._worklists.visible(actor)]
        cases = await self._flagged_cases(actor)
        pools = {pool_id: Backlog(pool_id) for pool_id in sorted(actor.pools)}
        towns: dict[str, Backlog] = {}
        for item in items:
            pools.setdefault(item.task.pool_id, Backlog(item.task.pool_id)).add(item)
            owner = item.task.definition.owner_ags
            towns.setdefault(owner, Backlog(owner)).add(item)
        for case in cases:
            pools.setdefault(case.pool_id, Backlog(case.pool_id)).add_case(case)
            towns.setdefault(case.owner_ags, Backlog(case.owner_ags)).add_case(case)
        attention = sorted(
            (i for i in items if i.light is not Light.GREEN or i.task.escalated),
            key=lambda i: (RANK[i.light], i.due or date.max, i.task.definition.task_id),
        )
        return Overview(list(pools.values()), [towns[k] for k in sorted(towns)], attention, items, cases)

    async def _flagged_cases(self, actor: Actor) -> list[CaseLight]:
        """Open cases of the coordinator's pools that the deadline checker warned or escalated."""
        flags: dict[str, list[dict[str, Any]]] = {}
        for flag in await self._cases.flags(actor.pools):
            if flag.get("pool_id") in actor.pools:
                flags.setdefault(str(flag["case_id"]), []).append(flag)
        found = []
        for case_id, records in sorted(flags.items()):
            if await self._cases.is_closed(case_id):
                await self._cases.unflag(case_id)  # done: it leaves the view (and the flags stay few)
                continue
            latest = max(records, key=lambda f: f["action"] == Action.ESCALATED.value)
            deadline = self._lights.of_case(latest)
            if deadline is None:
                continue
            terms, light_now = deadline
            found.append(
                CaseLight(
                    case_id=case_id,
                    file_number=latest.get("file_number"),
                    service=str(latest.get("service")),
                    owner_ags=str(latest["owner_ags"]),
                    pool_id=str(latest["pool_id"]),
                    target=terms.target,
                    legal=terms.legal,
                    due=terms.due,
                    light=light_now,
                    escalated=latest["action"] == Action.ESCALATED.value,
                    since=datetime.fromisoformat(str(latest["at"])),
                )
            )
        return sorted(found, key=lambda c: (RANK[c.light], c.due or date.max, c.case_id))
