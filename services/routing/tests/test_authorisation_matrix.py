"""Authorisation matrix of routing on the real broker and store, with real tokens from the local issuer.

Every caller (clerk, coordinator, approver and admin of Wurzen, Augustusburg and a third town
without any agreement, plus no token, a malformed header, a token signed by a stranger, an
expired token, a token of another issuer and one for another audience) × every route of the app
(discovered from the app, so a new route without a row here fails the test) × every object
(tasks and cases of each town, routed at home or to the partner under the agreement, open and
completed). Expectations come from an oracle written from the rule, not from the code:

- a task is visible to members of the pool it sits in, and to nobody else (also not to admins);
- a case's audit log is visible to members of the pool the case was routed to and to admins of
  the owner town; its deadline (every case's is near) to members of that pool only: as a notice on
  its tasks' pages, and to the pool's coordinators in their view;
- everything else answers 404, exactly as for an object that does not exist, and changes nothing.

The second test tries to get around four-eyes through the API and the pages: claim, assignment,
hand-over, bulk assignment, completing someone else's claim, completing twice.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import Applicant, CaseSubmitted, FourEyes, TaskOutcome, TaskRequested
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import Topics
from ikdz_platform.auth.local_issuer import LocalIssuer
from ikdz_platform.auth.principal import CLAIM_POOLS, CLAIM_TOWNS, Role
from ikdz_platform.testing.apps import running, settings_for
from ikdz_platform.testing.infra import Infra
from ikdz_routing.adapters.config_file import PILOT_CONFIG, load_routing_config
from ikdz_routing.adapters.mongo_case_deadlines import MongoCaseDeadlines
from ikdz_routing.adapters.mongo_routes import MongoRouteRepository
from ikdz_routing.adapters.mongo_task_deadlines import MongoTaskDeadlines
from ikdz_routing.adapters.mongo_tasks import MongoTaskRepository
from ikdz_routing.app.case_deadlines import CheckCaseDeadlines
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.deadline_checker import CheckDeadlines, CheckTaskDeadlines
from ikdz_routing.app.route_case import RouteCase
from ikdz_routing.app.tasks import AcceptTaskRequest
from ikdz_routing.bootstrap import create_app
from ikdz_routing.domain.calendar import SAXONY_TZ
from ikdz_routing.settings import RoutingSettings
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from .fakes import store_only_relay

pytestmark = pytest.mark.infra

ISSUER = "http://issuer.matrix.test"
WURZEN, AUGUSTUSBURG, BAUTZEN = "14729410", "14522020", "14625020"
POOL_TOWN = {"wurzen": WURZEN, "augustusburg": AUGUSTUSBURG, "bautzen-test": BAUTZEN}
TOWN_POOL = {ags: pool for pool, ags in POOL_TOWN.items()}
TOWN_KEY = {WURZEN: "wur", AUGUSTUSBURG: "aug", BAUTZEN: "bzn"}
TRADE, EINVOICE = ServiceId.TRADE_REGISTRATION, ServiceId.EINVOICE

# Wurzen and Augustusburg work each other's trade registrations (not e-invoices); the third town
# (a test pool in Bautzen) has no agreement with anyone.
CONFIG = f"""
version: "matrix-test"
pools:
  - {{id: wurzen, processing_ags: "{WURZEN}", services: [trade-registration, einvoice], capacity_per_day: 10}}
  - {{id: augustusburg, processing_ags: "{AUGUSTUSBURG}", services: [trade-registration, einvoice], capacity_per_day: 10}}
  - {{id: bautzen-test, processing_ags: "{BAUTZEN}", services: [trade-registration, einvoice], capacity_per_day: 10}}
agreements:
  - {{reference: "ZV W->A", owner_ags: "{WURZEN}", processing_ags: "{AUGUSTUSBURG}", services: [trade-registration], valid_from: 2026-01-01}}
  - {{reference: "ZV A->W", owner_ags: "{AUGUSTUSBURG}", processing_ags: "{WURZEN}", services: [trade-registration], valid_from: 2026-01-01}}
deadlines:  # every case is due on the next working day, so its deadline is near from the start
  trade-registration: {{case_target_days: 1, case_legal_days: 3, task_target_days: 5}}
  einvoice: {{case_target_days: 1, task_target_days: 5}}
"""


@dataclass(frozen=True)
class Case:
    case_id: str
    owner_ags: str
    service: ServiceId
    pool: str  # where routing must put it (asserted while seeding)


@dataclass(frozen=True)
class SeededTask:
    task_id: str
    case: Case
    done: bool  # completed by the pool's clerk while seeding

    @property
    def pool(self) -> str:
        return self.case.pool

    @property
    def title(self) -> str:
        return f"Matrixaufgabe {self.task_id}"


CASES = (
    Case("c-wur-at-aug", WURZEN, TRADE, "augustusburg"),  # a partner town's case, under the agreement
    Case("c-wur-at-wur", WURZEN, EINVOICE, "wurzen"),  # not covered by the agreement: stays home
    Case("c-aug-at-aug", AUGUSTUSBURG, EINVOICE, "augustusburg"),
    Case("c-aug-at-wur", AUGUSTUSBURG, TRADE, "wurzen"),
    Case("c-bzn-at-bzn", BAUTZEN, TRADE, "bautzen-test"),
)
CASE = {c.case_id: c for c in CASES}
TASKS = (
    SeededTask("t-wur-at-aug-open", CASE["c-wur-at-aug"], done=False),
    SeededTask("t-wur-at-aug-done", CASE["c-wur-at-aug"], done=True),
    SeededTask("t-wur-at-wur-open", CASE["c-wur-at-wur"], done=False),
    SeededTask("t-wur-at-wur-done", CASE["c-wur-at-wur"], done=True),
    SeededTask("t-aug-at-aug-open", CASE["c-aug-at-aug"], done=False),
    SeededTask("t-aug-at-wur-open", CASE["c-aug-at-wur"], done=False),
    SeededTask("t-bzn-at-bzn-open", CASE["c-bzn-at-bzn"], done=False),
    SeededTask("t-bzn-at-bzn-done", CASE["c-bzn-at-bzn"], done=True),
)
MISSING = "does-not-exist"


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str]
    subject: str | None = None  # None: not authenticated
    towns: frozenset[str] = frozenset()
    pools: frozenset[str] = frozenset()
    roles: frozenset[Role] = frozenset()

    @property
    def authenticated(self) -> bool:
        return self.subject is not None

    def sees_task(self, task: SeededTask) -> bool:
        return task.pool in self.pools

    def sees_audit(self, case: Case) -> bool:
        return case.pool in self.pools or (Role.ADMIN in self.roles and case.owner_ags in self.towns)

    def sees_case_deadline(self, case: Case) -> bool:
        return case.pool in self.pools


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def staff(issuer: LocalIssuer, ags: str, role: Role, *, pools: frozenset[str] | None = None) -> Caller:
    subject = f"{TOWN_KEY[ags]}-{role.value}"
    pools = (frozenset() if role is Role.ADMIN else frozenset({TOWN_POOL[ags]})) if pools is None else pools
    token = issuer.issue(subject, subject, [ags], pools, [role], ttl=3600)
    return Caller(subject, bearer(token), subject, frozenset({ags}), pools, frozenset({role}))


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def callers(issuer: LocalIssuer, key_file: Path) -> list[Caller]:
    found = [staff(issuer, ags, role) for ags in TOWN_KEY for role in Role]
    # The demo admin acts for both pilot towns (docs/auth.md).
    both = frozenset({WURZEN, AUGUSTUSBURG})
    admin = issuer.issue("both-admin", "both-admin", both, [], [Role.ADMIN], ttl=3600)
    found.append(Caller("both-admin", bearer(admin), "both-admin", both, frozenset(), frozenset({Role.ADMIN})))
    # Everyone with every role but no pool still sees no task.
    nobody = issuer.issue("wur-no-pool", "wur-no-pool", [WURZEN], [], list(Role), ttl=3600)
    found.append(
        Caller("wur-no-pool", bearer(nobody), "wur-no-pool", frozenset({WURZEN}), frozenset(), frozenset(Role))
    )

    clerk = ("intruder", "intruder", [WURZEN], ["wurzen"], [Role.CLERK, Role.COORDINATOR, Role.ADMIN])
    stranger = LocalIssuer.ephemeral(ISSUER)  # same issuer name, another key
    other_issuer = LocalIssuer.from_key_file(key_file, "http://other-issuer.test")  # our key, wrong iss
    valid = issuer.issue(*clerk, ttl=3600)
    header, payload, signature = valid.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims[CLAIM_TOWNS], claims[CLAIM_POOLS] = [AUGUSTUSBURG], ["augustusburg"]
    forged_payload = _b64(claims)
    found += [
        Caller("no token", {}),
        Caller("not bearer", {"Authorization": f"Basic {valid}"}),
        Caller("garbage", bearer("not.a.jwt")),
        Caller("unsigned", bearer(f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.")),
        Caller("stranger's key", bearer(stranger.issue(*clerk, ttl=3600))),
        Caller("claims changed", bearer(f"{header}.{forged_payload}.{signature}")),
        Caller("expired", bearer(issuer.issue(*clerk, ttl=-3600))),
        Caller("wrong issuer", bearer(other_issuer.issue(*clerk, ttl=3600))),
        Caller("wrong audience", bearer(issuer.issue(*clerk, ttl=3600, audience="another-api"))),
    ]
    return found


# ------------------------------------------------------------------------------------------ seeding


class _SteeredBacklog(MongoRouteRepository):
    """The real store, with the backlog the policy sees chosen by the test (to place each case)."""

    backlog: dict[str, int] = {}  # noqa: RUF012 - set per case before routing it

    async def open_cases(self, pool_ids: Any) -> dict[str, int]:
        return {pool_id: self.backlog.get(pool_id, 0) for pool_id in pool_ids}


def case_submitted(case: Case) -> CloudEvent[CaseSubmitted]:
    data = CaseSubmitted(
        case_id=case.case_id,
        file_number="WUR-GEW-2026-000001",
        service=case.service,
        owner_ags=case.owner_ags,
        submitted_at=datetime.now(UTC),
        channel="api",
        applicant=Applicant(kind="natural_person", name="Erika Mustermann"),
        payload={},
    )
    return new_event(data, source="urn:ikdz:intake", subject=case.case_id, ownerags=case.owner_ags)


def task_requested(task: SeededTask, preparer: str | None = None) -> CloudEvent[TaskRequested]:
    data = TaskRequested(
        task_id=task.task_id,
        case_id=task.case.case_id,
        service=task.case.service,
        owner_ags=task.case.owner_ags,
        pool_id=task.pool,
        kind="matrix.check",
        title_de=task.title,
        instructions_de="Bitte prüfen.",
        four_eyes=FourEyes(excluded_actors=[preparer], reason="hat den Fall vorbereitet") if preparer else None,
        outcomes=[
            TaskOutcome(code="approved", label_de="Genehmigt"),
            TaskOutcome(code="rejected", label_de="Abgelehnt"),
        ],
    )
    return new_event(
        data, source="urn:ikdz:matrix", subject=task.case.case_id, ownerags=task.case.owner_ags, time=datetime.now(UTC)
    )


async def seed(db: AsyncDatabase[dict[str, Any]], config_file: Path, topic_prefix: str) -> None:
    """Route the cases with the real policy and store, then request their tasks."""
    municipalities = load_municipalities()
    routes = _SteeredBacklog(db, store_only_relay())
    route = RouteCase(
        routes,
        ActiveConfig(load_routing_config(config_file, municipalities)),
        municipalities,
        Topics(topic_prefix),
        lambda: datetime.now(UTC).replace(microsecond=0),
    )
    for case in CASES:
        # A long backlog at home sends a case to the partner, if an agreement covers it.
        home = TOWN_POOL[case.owner_ags]
        routes.backlog = {home: 100} if case.pool != home else {}
        await route([case_submitted(case)])
        stored = await db["routes"].find_one({"_id": case.case_id})
        assert stored is not None and stored["pool_id"] == case.pool, (case, stored and stored["decision"])
    active = ActiveConfig(load_routing_config(config_file, municipalities))
    accept = AcceptTaskRequest(MongoTaskRepository(db), active, lambda: datetime.now(UTC))
    for task in TASKS:
        assert await accept(task_requested(task))


async def complete_as(client: httpx.AsyncClient, caller: Caller, task_id: str) -> None:
    claimed = await client.post(f"/api/v1/tasks/{task_id}/claim", json={}, headers=caller.headers)
    assert claimed.status_code == 200, claimed.text
    decision = {"outcome": "approved", "reason": "geprüft"}
    done = await client.post(f"/api/v1/tasks/{task_id}/complete", json=decision, headers=caller.headers)
    assert done.status_code == 200, done.text


@dataclass
class World:
    client: httpx.AsyncClient
    app: FastAPI
    db: AsyncDatabase[dict[str, Any]]
    issuer: LocalIssuer
    callers: list[Caller]
    csrf: str = ""
    cells: int = 0
    failures: list[str] = field(default_factory=list)

    def expect(self, caller: Caller, what: str, got: Any, wanted: Any) -> None:
        self.cells += 1
        if got != wanted:
            self.failures.append(f"{caller.name}: {what}: got {got!r}, expected {wanted!r}")


@pytest.fixture
async def world(infra: Infra, mongo_db_name: str, topic_prefix: str, tmp_path: Path) -> AsyncIterator[World]:
    config_file = tmp_path / "routing.yaml"
    config_file.write_text(CONFIG)
    key_file = tmp_path / "issuer-key.pem"
    issuer = LocalIssuer.from_key_file(key_file, ISSUER)
    settings = settings_for(
        RoutingSettings,
        infra,
        database=mongo_db_name,
        topic_prefix=topic_prefix,
        config_file=config_file,
        dev_issuer=True,
        dev_issuer_key_file=key_file,
        oidc_issuer=ISSUER,
    )
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongodb_uri)
    db = mongo[mongo_db_name]
    app = create_app(settings)
    async with running(app) as client:
        await seed(db, config_file, topic_prefix)
        everyone = callers(issuer, key_file)
        by_name = {c.name: c for c in everyone}
        for task in TASKS:
            if task.done:
                await complete_as(client, by_name[f"{TOWN_KEY[POOL_TOWN[task.pool]]}-clerk"], task.task_id)
        active = ActiveConfig(load_routing_config(config_file, load_municipalities()))
        store = MongoCaseDeadlines(db)
        await store.mark_swept(
            (datetime.now(SAXONY_TZ).date() - timedelta(days=2)).isoformat()
        )  # read the routes' own day buckets
        checker = CheckCaseDeadlines(store)
        check_tasks = CheckTaskDeadlines(
            MongoTaskRepository(db), MongoTaskDeadlines(db), MongoRouteRepository(db, store_only_relay())
        )
        check = CheckDeadlines(check_tasks, checker, active, lambda: datetime.now(UTC))
        assert (await check()).cases_warned == len(CASES)  # every case's deadline is near
        yield World(client, app, db, issuer, everyone)
    await mongo.close()


# ------------------------------------------------------------------------------------- matrix rows

Row = Callable[[World, Caller], Awaitable[None]]
ACTIONS = ("claim", "complete", "return", "handover", "assign", "release")


def tasks_for(c: Caller) -> tuple[SeededTask, ...]:
    """A refused token is refused before any object is looked up: one object per route shows it."""
    return TASKS if c.authenticated else TASKS[:1]


def cases_for(c: Caller) -> tuple[Case, ...]:
    return CASES if c.authenticated else CASES[:1]


async def _worklist(w: World, c: Caller) -> None:
    for mine in (False, True):
        for include_done in (False, True):
            params = {"mine": str(mine).lower(), "include_done": str(include_done).lower()}
            response = await w.client.get("/api/v1/worklist", params=params, headers=c.headers)
            if not c.authenticated:
                w.expect(c, f"GET worklist {params}", response.status_code, 401)
                continue
            wanted = {
                t.task_id
                for t in TASKS
                if c.sees_task(t)
                and (include_done or not t.done)
                and (not mine or (t.done and c.name.endswith("-clerk")))
            }
            got = {t["task_id"] for t in response.json()} if response.status_code == 200 else response.status_code
            w.expect(c, f"GET worklist {params}", got, wanted)


async def _task(w: World, c: Caller) -> None:
    for task_id, visible in [(t.task_id, c.sees_task(t)) for t in tasks_for(c)] + [(MISSING, False)]:
        response = await w.client.get(f"/api/v1/tasks/{task_id}", headers=c.headers)
        wanted = 401 if not c.authenticated else 200 if visible else 404
        w.expect(c, f"GET task {task_id}", response.status_code, wanted)
        if response.status_code == 200:
            w.expect(c, f"GET task {task_id} body", response.json()["task_id"], task_id)


def _act_expected(c: Caller, task: SeededTask | None, action: str) -> int:
    """What the API must answer to a probe that can never change anything (see ``_act``)."""
    if not c.authenticated:
        return 401
    if task is None or not c.sees_task(task):
        return 404
    if task.done:
        return 409  # nothing happens to a completed task, whoever asks
    if action == "assign":  # without a "to"
        return 422 if Role.COORDINATOR in c.roles else 403
    if action == "release":  # an open task
        return 409 if Role.COORDINATOR in c.roles else 403
    return 403  # complete, return, hand over: only the assignee, and nobody is assigned


async def _act(w: World, c: Caller) -> None:
    """Every action on every task. Claiming a visible open task would succeed, so that one cell is
    left to the four-eyes test; everything else here must be refused without a change."""
    for task in (*tasks_for(c), None):
        task_id = task.task_id if task else MISSING
        for action in ACTIONS:
            if action == "claim" and task is not None and c.sees_task(task) and not task.done:
                continue
            response = await w.client.post(f"/api/v1/tasks/{task_id}/{action}", json={}, headers=c.headers)
            w.expect(c, f"POST {action} {task_id}", response.status_code, _act_expected(c, task, action))


async def _bulk(w: World, c: Caller) -> None:
    ids = [t.task_id for t in TASKS] + [MISSING]
    body = {"action": "release", "task_ids": ids, "reason": "Matrix"}
    response = await w.client.post("/api/v1/tasks:bulk", json=body, headers=c.headers)
    if not c.authenticated:
        w.expect(c, "POST bulk", response.status_code, 401)
        return
    results = response.json()["results"]
    for task in (*tasks_for(c), None):
        task_id = task.task_id if task else MISSING
        result = results[task_id]
        wanted = _act_expected(c, task, "release")
        w.expect(c, f"bulk release {task_id}", result["status"], wanted)
        if wanted == 404:
            w.expect(c, f"bulk release {task_id} says nothing", set(result), {"status", "detail"})


async def _audit(w: World, c: Caller) -> None:
    for case_id, visible in [(k.case_id, c.sees_audit(k)) for k in cases_for(c)] + [(MISSING, False)]:
        response = await w.client.get(f"/api/v1/cases/{case_id}/audit", headers=c.headers)
        wanted = 401 if not c.authenticated else 200 if visible else 404
        w.expect(c, f"GET audit {case_id}", response.status_code, wanted)
        if response.status_code == 200:
            body = response.json()
            w.expect(c, f"audit {case_id} only this case", {e["case_id"] for e in body["entries"]}, {case_id})
            w.expect(c, f"audit {case_id} intact", body["chain_intact"], True)


async def _worklist_page(w: World, c: Caller) -> None:
    response = await w.client.get("/arbeitskorb", headers=c.headers)
    if not c.authenticated:
        w.expect(c, "GET /arbeitskorb", response.status_code, 401)
        return
    listed = {t.task_id for t in TASKS if t.title in response.text}
    w.expect(c, "GET /arbeitskorb lists", listed, {t.task_id for t in TASKS if c.sees_task(t) and not t.done})


async def _task_page(w: World, c: Caller) -> None:
    for task in (*tasks_for(c), None):
        task_id, visible = (task.task_id, c.sees_task(task)) if task else (MISSING, False)
        response = await w.client.get(f"/aufgaben/{task_id}", headers=c.headers)
        wanted = 401 if not c.authenticated else 200 if visible else 404
        w.expect(c, f"GET /aufgaben/{task_id}", response.status_code, wanted)
        if response.status_code != 200:
            for other in TASKS:
                w.expect(c, f"GET /aufgaben/{task_id} shows {other.task_id}", other.title in response.text, False)
            for case in CASES:
                w.expect(c, f"GET /aufgaben/{task_id} shows {case.case_id}", case.case_id in response.text, False)
        elif task is not None:
            notice = f"Der Vorgang {task.case.case_id} ist bis zum"
            wanted_notice = c.sees_case_deadline(task.case)
            w.expect(c, f"GET /aufgaben/{task_id} case deadline notice", notice in response.text, wanted_notice)


async def _task_form(w: World, c: Caller) -> None:
    """The pages' forms; ``uebernehmen`` on a visible open task would succeed (four-eyes test)."""
    for task in (*tasks_for(c), None):
        task_id = task.task_id if task else MISSING
        for verb in ("uebernehmen", "erledigen", "zurueckgeben"):
            if verb == "uebernehmen" and task is not None and c.sees_task(task) and not task.done:
                continue
            response = await w.client.post(
                f"/aufgaben/{task_id}/{verb}", data={"csrf_token": w.csrf, "reason": "x"}, headers=c.headers
            )
            if not c.authenticated:
                wanted = 401
            elif task is None or not c.sees_task(task):
                wanted = 404
            else:
                wanted = 422  # completed, or not claimed by the caller: refused with a message
            w.expect(c, f"POST /aufgaben/{task_id}/{verb}", response.status_code, wanted)
    response = await w.client.post(
        f"/aufgaben/{TASKS[0].task_id}/loeschen", data={"csrf_token": w.csrf}, headers=c.headers
    )
    w.expect(c, "POST unknown verb", response.status_code, 401 if not c.authenticated else 404)


async def _public(w: World, c: Caller, path: str) -> None:
    """Public routes answer without a token and never show a task, a case or a staff id. They do not
    look at the caller, so three kinds of caller are enough."""
    if c.name not in {"no token", "expired", "aug-clerk"}:
        return
    response = await w.client.get(path, headers=c.headers)
    w.expect(c, f"GET {path} is public", response.status_code, 200)
    leaked = [t.task_id for t in TASKS if t.task_id in response.text] + [
        k.case_id for k in CASES if k.case_id in response.text
    ]
    w.expect(c, f"GET {path} shows no object", leaked, [])


def _public_get(path: str) -> Row:
    async def row(w: World, c: Caller) -> None:
        await _public(w, c, path)

    return row


async def _config_admin(w: World, c: Caller) -> None:
    """The configuration admin API is for admins only; an admin's invalid upload changes nothing."""
    pool = {"id": "matrix", "processing_ags": "14999999", "services": ["einvoice"], "capacity_per_day": 1}
    invalid = {"config": {"version": "matrix", "pools": [pool]}, "reason": "Matrix"}  # no such town
    for method, path, body, admin_status in [
        ("GET", "/api/v1/admin/config", None, 200),
        ("GET", "/api/v1/admin/config/versions", None, 200),
        ("PUT", "/api/v1/admin/config", invalid, 422),
        ("POST", "/api/v1/admin/config:reload", {"reason": "Matrix"}, 200),  # the unchanged file: no new version
    ]:
        response = await w.client.request(method, path, json=body, headers=c.headers)
        wanted = 401 if not c.authenticated else admin_status if Role.ADMIN in c.roles else 403
        w.expect(c, f"{method} {path}", response.status_code, wanted)
        if response.status_code == 403:
            w.expect(c, f"{method} {path} shows no configuration", "pools" in response.text, False)


async def _coordination(w: World, c: Caller) -> None:
    """The coordinator's overview (REST and page) and its bulk form: coordinators only, their pools only."""
    visible_open = {t.task_id for t in TASKS if c.sees_task(t) and not t.done}
    wanted = 401 if not c.authenticated else 200 if Role.COORDINATOR in c.roles else 403
    response = await w.client.get("/api/v1/coordination", headers=c.headers)
    w.expect(c, "GET /api/v1/coordination", response.status_code, wanted)
    if response.status_code == 200:
        body = response.json()
        w.expect(c, "coordination pools", {p["key"] for p in body["pools"]}, set(c.pools))
        w.expect(c, "coordination counts", sum(p["open"] + p["claimed"] for p in body["pools"]), len(visible_open))
        w.expect(c, "coordination attention", {t["task_id"] for t in body["attention"]} <= visible_open, True)
        cases = {k.case_id for k in CASES if c.sees_case_deadline(k)}
        w.expect(c, "coordination cases", {k["case_id"] for k in body["cases"]}, cases)
        w.expect(c, "coordination cases warned", sum(p["cases_warned"] for p in body["pools"]), len(cases))
        w.expect(
            c,
            "coordination cases' light",
            {(k["step"], k["deadline_light"]) for k in body["cases"]},
            ({("warned", "gelb")} if cases else set()),
        )
    page = await w.client.get("/koordination", headers=c.headers)
    w.expect(c, "GET /koordination", page.status_code, wanted)
    form = {
        "csrf_token": w.csrf,
        "aktion": "freigeben",
        "aufgaben": [t.task_id for t in TASKS],
        "begruendung": "Matrix",
    }
    posted = await w.client.post("/koordination", data=form, headers=c.headers)
    w.expect(c, "POST /koordination", posted.status_code, wanted)
    for response in (page, posted):
        shown = {t.task_id for t in TASKS if t.title in response.text}
        w.expect(c, "/koordination lists", shown <= visible_open, True)
        cases = {k.case_id for k in CASES if k.case_id in response.text}
        w.expect(
            c,
            "/koordination lists cases",
            cases,
            {k.case_id for k in CASES if c.sees_case_deadline(k)} if response.status_code == 200 else set(),
        )


async def _in_the_row_above(w: World, c: Caller) -> None:
    """Checked by the row of the same feature above (one pass per caller keeps the matrix fast)."""


async def _not_for_the_matrix(w: World, c: Caller) -> None:
    """The dev issuer's sign-in and sign-out forms: no data, tested in platform/tests/auth."""


ROWS: dict[tuple[str, str], Row] = {
    ("GET", "/openapi.json"): _public_get("/openapi.json"),
    ("GET", "/docs"): _public_get("/docs"),
    ("GET", "/docs/oauth2-redirect"): _public_get("/docs/oauth2-redirect"),
    ("GET", "/redoc"): _public_get("/redoc"),
    ("GET", "/healthz"): _public_get("/healthz"),
    ("GET", "/readyz"): _public_get("/readyz"),
    ("GET", "/metrics"): _public_get("/metrics"),
    ("GET", "/asyncapi.json"): _public_get("/asyncapi.json"),
    ("GET", "/api/v1/config"): _public_get("/api/v1/config"),  # pools and agreements are public law
    ("GET", "/dev-issuer/.well-known/openid-configuration"): _public_get(
        "/dev-issuer/.well-known/openid-configuration"
    ),
    ("GET", "/dev-issuer/jwks.json"): _public_get("/dev-issuer/jwks.json"),
    ("GET", "/dev-login"): _public_get("/dev-login"),
    ("POST", "/dev-login"): _not_for_the_matrix,
    ("GET", "/api/v1/coordination"): _coordination,
    ("GET", "/koordination"): _in_the_row_above,
    ("POST", "/koordination"): _in_the_row_above,
    ("GET", "/api/v1/admin/config"): _config_admin,
    ("PUT", "/api/v1/admin/config"): _in_the_row_above,
    ("POST", "/api/v1/admin/config:reload"): _in_the_row_above,
    ("GET", "/api/v1/admin/config/versions"): _in_the_row_above,
    ("POST", "/dev-logout"): _not_for_the_matrix,
    ("GET", "/api/v1/worklist"): _worklist,
    ("GET", "/api/v1/tasks/{task_id}"): _task,
    ("POST", "/api/v1/tasks/{task_id}/{action}"): _act,
    ("POST", "/api/v1/tasks:bulk"): _bulk,
    ("GET", "/api/v1/cases/{case_id}/audit"): _audit,
    ("GET", "/arbeitskorb"): _worklist_page,
    ("GET", "/aufgaben/{task_id}"): _task_page,
    ("POST", "/aufgaben/{task_id}/{verb}"): _task_form,
}
STATIC_MOUNTS = {"/static/kern", "/static/ikdz"}


def app_routes(app: FastAPI) -> tuple[set[tuple[str, str]], set[str]]:
    """(method, path) of every route, HEAD aside, and the paths of mounted sub-apps."""
    routes: set[tuple[str, str]] = set()
    mounts: set[str] = set()
    for context in iter_route_contexts(app.routes):
        methods = getattr(context.route, "methods", None)
        if methods is None:
            mounts.add(str(context.path))
        routes |= {(method, str(context.path)) for method in (methods or ()) if method != "HEAD"}
    return routes, mounts


@pytest.mark.timeout(300)  # about 5,500 requests; over two minutes on a loaded 2-core machine
async def test_every_caller_sees_and_changes_only_what_the_rules_allow_on_every_route(world: World) -> None:
    routes, mounts = app_routes(world.app)
    assert routes == set(ROWS), (
        f"routes without a matrix row: {sorted(routes - set(ROWS))}; rows without a route: {sorted(set(ROWS) - routes)}"
    )
    assert mounts == STATIC_MOUNTS, f"new mounted apps need a row: {sorted(mounts - STATIC_MOUNTS)}"

    page = await world.client.get("/arbeitskorb", headers=world.callers[0].headers)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF field on the worklist page"
    world.csrf = match.group(1)
    before = {r["_id"] async for r in world.db["task_changes"].find({}, projection={"_id": 1})}

    for caller in world.callers:
        for row in ROWS.values():
            await row(world, caller)

    assert not world.failures, f"{len(world.failures)} of {world.cells} cells failed:\n" + "\n".join(world.failures)
    assert world.cells > 3000, world.cells
    after = {r["_id"] async for r in world.db["task_changes"].find({}, projection={"_id": 1})}
    assert after == before, f"refused requests changed tasks: {sorted(after - before)}"


async def test_four_eyes_cannot_be_bypassed_through_the_api_or_the_pages(world: World) -> None:
    """The preparer of a case (a clerk who is also coordinator and approver of the processing pool)
    tries every way to decide its approval task; the pool's other staff try to hand it to her."""
    pool, ags = "augustusburg", AUGUSTUSBURG
    issuer = world.issuer

    def person(subject: str, *roles: Role) -> dict[str, str]:
        return bearer(issuer.issue(subject, subject, [ags], [pool], roles, ttl=3600))

    preparer = person("aug-preparer", Role.CLERK, Role.COORDINATOR, Role.APPROVER)
    clerk = person("aug-clerk-2", Role.CLERK)
    coordinator = person("aug-coordinator-2", Role.COORDINATOR)
    approver = person("aug-approver-2", Role.APPROVER)
    task = SeededTask("t-four-eyes", CASE["c-wur-at-aug"], done=False)
    active = ActiveConfig(load_routing_config(PILOT_CONFIG, load_municipalities()))
    accept = AcceptTaskRequest(MongoTaskRepository(world.db), active, lambda: datetime.now(UTC))
    assert await accept(task_requested(task, preparer="aug-preparer"))
    url = f"/api/v1/tasks/{task.task_id}"
    decision = {"outcome": "approved", "reason": "passt"}

    async def post(path: str, headers: dict[str, str], body: dict[str, Any] | None = None) -> int:
        return (await world.client.post(f"{url}/{path}", json=body or {}, headers=headers)).status_code

    async def state() -> tuple[str, str | None]:
        got = (await world.client.get(url, headers=clerk)).json()
        return got["state"], got["assignee"]

    # Directly.
    assert await post("claim", preparer) == 403
    assert await post("assign", preparer, {"to": "aug-preparer", "reason": "mache ich selbst"}) == 403
    assert await post("complete", preparer, decision) == 403
    # Through the pages (CSRF token of the pool's worklist page).
    page = await world.client.get("/arbeitskorb", headers=preparer)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    form = await world.client.post(
        f"/aufgaben/{task.task_id}/uebernehmen", data={"csrf_token": match.group(1)}, headers=preparer
    )
    assert form.status_code == 422
    assert "Vier-Augen-Prinzip" in form.text
    # Through others: assignment, bulk assignment, hand-over.
    assert await post("assign", coordinator, {"to": "aug-preparer", "reason": "Vertretung"}) == 403
    bulk = await world.client.post(
        "/api/v1/tasks:bulk",
        json={"action": "assign", "task_ids": [task.task_id], "to": "aug-preparer", "reason": "Urlaub"},
        headers=coordinator,
    )
    assert bulk.json()["results"][task.task_id]["status"] == 403
    assert await post("claim", clerk) == 200
    assert await post("handover", clerk, {"to": "aug-preparer", "reason": "zuständig"}) == 403
    # While someone else holds it: completing it, releasing it to herself, completing it again.
    assert await post("complete", preparer, decision) == 403
    assert await post("release", preparer, {"reason": "frei für mich"}) == 200  # she is also coordinator
    assert await post("claim", preparer) == 403
    assert await state() == ("open", None)
    assert await post("assign", coordinator, {"to": "aug-approver-2", "reason": "Freigabe"}) == 200
    assert await post("handover", approver, {"to": "aug-preparer", "reason": "Rückfrage"}) == 403
    assert await post("complete", approver, decision) == 200
    assert await post("complete", preparer, decision) == 409

    audit = (await world.client.get(f"/api/v1/cases/{task.case.case_id}/audit", headers=clerk)).json()
    mine = [e for e in audit["entries"] if e.get("task_id") == task.task_id]
    assert [(e["action"], e["actor"], e.get("assignee")) for e in mine] == [
        ("requested", "system", None),
        ("claimed", "aug-clerk-2", "aug-clerk-2"),
        ("released", "aug-preparer", None),
        ("assigned", "aug-coordinator-2", "aug-approver-2"),
        ("completed", "aug-approver-2", "aug-approver-2"),
    ]
    assert {e["acting_ags"] for e in mine[1:]} == {AUGUSTUSBURG}
    assert audit["chain_intact"], audit["problems"]
