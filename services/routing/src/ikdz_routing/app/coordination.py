"""Use case: the coordinator's overview — backlog and deadline traffic lights per pool and per owner
town, over the tasks and open cases of the pools the coordinator works for (nothing else), and what
needs attention."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.ports import Clock, RouteRepository
from ikdz_routing.app.tasks import Worklists
from ikdz_routing.domain.calendar import SAXONY_TZ
from ikdz_routing.domain.config import Escalation
from ikdz_routing.domain.deadlines import Light, effective_due, light
from ikdz_routing.domain.tasks import Action, Actor, Role, Task, TaskRuleError, TaskState


@dataclass(frozen=True)
class TaskLight:
    task: Task
    due: date | None
    light: Light


@dataclass
class Backlog:
    """One row of the overview: a pool or an owner town."""

    key: str
    open: int = 0
    claimed: int = 0
    escalated: int = 0
    cases_escalated: int = 0  # open cases whose own deadline was missed (the deadline checker's escalation)
    lights: Counter[Light] = field(default_factory=Counter)

    @property
    def worst(self) -> Light:
        return next((lt for lt in (Light.RED, Light.YELLOW) if self.lights[lt]), Light.GREEN)

    def add(self, item: TaskLight) -> None:
        self.open += item.task.state is TaskState.OPEN
        self.claimed += item.task.state is TaskState.CLAIMED
        self.escalated += item.task.escalated
        self.lights[item.light] += 1


@dataclass(frozen=True)
class Overview:
    pools: list[Backlog]
    towns: list[Backlog]
    attention: list[TaskLight]  # red or yellow or escalated, most urgent first
    tasks: list[TaskLight]


class DeadlineLights:
    """Traffic light of a task today: its due day in the owner town's calendar, the pool's warning time."""

    def __init__(self, active: ActiveConfig, clock: Clock) -> None:
        self._active = active
        self._clock = clock

    def of(self, task: Task) -> TaskLight:
        config = self._active.current
        calendar = config.calendar_of_town(task.definition.owner_ags)
        pool = config.pool(task.pool_id)
        warn = (pool.escalation if pool else Escalation()).warn_days_before
        due = effective_due(task.due, task.definition.legal_deadline, calendar)
        return TaskLight(task, due, light(due, self._clock().astimezone(SAXONY_TZ).date(), calendar, warn))


class Coordination:
    def __init__(self, worklists: Worklists, lights: DeadlineLights, routes: RouteRepository) -> None:
        self._worklists = worklists
        self._lights = lights
        self._routes = routes

    async def overview(self, actor: Actor) -> Overview:
        if Role.COORDINATOR not in actor.roles:
            raise TaskRuleError("forbidden", "the coordinator view needs the coordinator role")
        items = [self._lights.of(task) for task in await self._worklists.visible(actor)]
        pools = {pool_id: Backlog(pool_id) for pool_id in sorted(actor.pools)}
        towns: dict[str, Backlog] = {}
        for item in items:
            pools.setdefault(item.task.pool_id, Backlog(item.task.pool_id)).add(item)
            owner = item.task.definition.owner_ags
            towns.setdefault(owner, Backlog(owner)).add(item)
        await self._count_escalated_cases(actor, pools, towns)
        rank = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2}
        attention = sorted(
            (i for i in items if i.light is not Light.GREEN or i.task.escalated),
            key=lambda i: (rank[i.light], i.due or date.max, i.task.definition.task_id),
        )
        return Overview(list(pools.values()), [towns[k] for k in sorted(towns)], attention, items)

    async def _count_escalated_cases(self, actor: Actor, pools: dict[str, Backlog], towns: dict[str, Backlog]) -> None:
        """Open cases of the coordinator's pools that the deadline checker escalated, per pool and town."""
        open_ids = {r["_id"] for r in await self._routes.open_routes() if r.get("pool_id") in actor.pools}
        for case_id, records in (await self._routes.deadline_steps()).items():
            escalation = next((r for r in records if r["action"] == Action.ESCALATED.value), None)
            if case_id not in open_ids or escalation is None:
                continue
            pools.setdefault(escalation["pool_id"], Backlog(escalation["pool_id"])).cases_escalated += 1
            owner = escalation["owner_ags"]
            towns.setdefault(owner, Backlog(owner)).cases_escalated += 1
