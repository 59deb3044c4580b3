"""Use case: route a submitted case to a pool, hand it to the pool's work topic, tell everyone."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent, DataT, new_event
from ikdz_contracts.events import CaseRouted, CaseState, CaseStatus, CaseSubmitted
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_contracts.topics import Topics
from ikdz_platform.outbox import outbox_entry

from ikdz_routing.app.case_deadlines import first_deadline_check
from ikdz_routing.app.config_admin import ActiveConfig
from ikdz_routing.app.ports import Clock, RouteRepository
from ikdz_routing.domain.audit import sealed_head
from ikdz_routing.domain.calendar import SAXONY_TZ
from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.domain.deadlines import deadline_after
from ikdz_routing.domain.policy import CaseToRoute, Routed, decide

SOURCE = "urn:ikdz:routing"
_YIELD_EVERY = 10
"""Cases decided between two looks at the event loop: a chunk's write takes several store round trips."""
DeadlineFields = dict[tuple[str, str, str | None], dict[str, str | None]]
"""A route's deadline fields by service, owner town and pool: all it depends on within one batch."""
UNROUTABLE_DE = (
    "Die zuständige Gemeinde bietet diesen Dienst noch nicht über das Dienstleistungszentrum an. "
    "Bitte wenden Sie sich direkt an Ihre Gemeinde."
)


def _caused_by(
    submitted: CloudEvent[CaseSubmitted], data: DataT, processing_ags: str | None, agreement_ref: str | None = None
) -> CloudEvent[DataT]:
    return new_event(
        data,
        source=SOURCE,
        subject=submitted.subject,
        ownerags=submitted.ownerags,
        processingags=processing_ags,
        agreementref=agreement_ref,
        cause=submitted,
    )


def _status(case: CaseSubmitted, state: CaseState, at: datetime, **details: Any) -> CaseStatus:
    return CaseStatus(
        case_id=case.case_id,
        file_number=case.file_number,
        service=case.service,
        owner_ags=case.owner_ags,
        state=state,
        label_de=state.label_de,
        occurred_at=at,
        **details,
    )


class RouteCase:
    """Routes submitted cases in batches: one store write per ``chunk`` cases of a batch.

    Each case of a batch is decided against the backlog as the cases before it in the batch left it,
    so a burst spreads over the pools as it would one case at a time. A case routed before (a
    redelivery) is not routed again: its insert is refused by the store and its new decision dropped.

    A batch larger than ``chunk`` is written in chunks while the next chunk is decided: deciding
    costs this process CPU and writing costs the store, so overlapping them lets both work at once
    instead of taking turns. Each chunk costs this process its own store round trips and outbox
    send, though, and with two replicas the other one uses the CPU meanwhile: by default a consumed
    batch (at most 500) is one chunk. The call returns (the batch is handled, its offsets may be
    committed) only after every chunk is stored; the chunks are written in order (the repository
    writes one at a time).
    """

    def __init__(
        self,
        repository: RouteRepository,
        active: ActiveConfig,
        municipalities: MunicipalityRegistry,
        topics: Topics,
        clock: Clock,
        *,
        chunk: int = 500,
    ) -> None:
        self._repository = repository
        self._active = active
        self._municipalities = municipalities
        self._topics = topics
        self._clock = clock
        self._chunk = chunk

    async def __call__(self, batch: Sequence[CloudEvent[CaseSubmitted]]) -> None:
        now = self._clock()
        config = self._active.current  # read once: a configuration activated meanwhile applies to the next batch
        backlog = dict(await self._repository.open_cases([pool.id for pool in config.pools]))
        deadlines: DeadlineFields = {}  # the batch's cases share `now`
        writes: list[asyncio.Task[set[str]]] = []
        for start in range(0, len(batch), self._chunk):
            routes = []
            for n, submitted in enumerate(batch[start : start + self._chunk], start=1):
                route, entries = self._route(submitted, config, backlog, deadlines, now)
                if route["pool_id"] is not None:
                    backlog[route["pool_id"]] += 1
                routes.append((route, entries))
                if n % _YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let the writes in flight take their next step meanwhile
            writes.append(asyncio.create_task(self._repository.insert_many(routes)))
            await asyncio.sleep(0)  # let the write start before the next chunk is decided
        for result in await asyncio.gather(*writes, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result  # after every chunk finished: a retry of the batch skips what was stored

    def _route(
        self,
        submitted: CloudEvent[CaseSubmitted],
        config: RoutingConfig,
        backlog: dict[str, int],
        deadlines: DeadlineFields,
        now: datetime,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The route document of one case and the events it causes.

        ``deadlines`` holds the deadline fields computed so far in the batch: they depend only on the
        service, the owner town and the pool (working days are counted from the same day).
        """
        case = submitted.data
        to_route = CaseToRoute(case.owner_ags, case.service, frozenset(case.required_skills), case.requested_pool_id)
        outcome = decide(to_route, config, backlog, now.date())
        decision = outcome.decision.model_dump(mode="json")
        route: dict[str, Any] = {
            "_id": case.case_id,
            "file_number": case.file_number,
            "service": case.service.value,
            "owner_ags": case.owner_ags,
            "routed_at": now,
            "pool_id": None,
        }
        if isinstance(outcome, Routed):
            entries = self._routed(submitted, outcome, now)
            route.update(
                pool_id=outcome.pool.id,
                processing_ags=outcome.pool.processing_ags,
                agreement_ref=outcome.agreement_ref,
            )
        else:
            rejected = _status(case, CaseState.REJECTED, now, message_de=UNROUTABLE_DE)
            entries = [outbox_entry(self._topics.case_status, _caused_by(submitted, rejected, None))]
        terms = (case.service.value, case.owner_ags, route["pool_id"])
        if terms not in deadlines:
            dates = _case_deadlines(config, case, now)
            # The deadline checker's first day bucket.
            deadlines[terms] = {**dates, **first_deadline_check({**route, **dates}, config, now)}
        route.update(deadlines[terms])
        # The routing decision heads the case's audit chain (tasks chain from its hash); it is stored
        # once, in the audit record (CaseAudit exports it).
        route["audit"], route["audit_hash"] = sealed_head(
            {
                "action": "routed",
                "actor": "routing",
                "case_id": case.case_id,
                "owner_ags": case.owner_ags,
                "pool_id": route["pool_id"],
                "processing_ags": route.get("processing_ags"),
                "agreement_ref": route.get("agreement_ref"),
                "decision": decision,
                "target_date": route.get("target_date"),
                "legal_date": route.get("legal_date"),
                "at": now.isoformat(),
            }
        )
        return route, entries

    def _routed(self, submitted: CloudEvent[CaseSubmitted], outcome: Routed, now: datetime) -> list[dict[str, Any]]:
        """The work item for the pool, ``case.routed`` for integrators, ``case.status`` for the citizen."""
        case, pool = submitted.data, outcome.pool
        town = self._municipalities.get(pool.processing_ags)
        routed = CaseRouted(
            case_id=case.case_id,
            file_number=case.file_number,
            service=case.service,
            owner_ags=case.owner_ags,
            pool_id=pool.id,
            processing_ags=pool.processing_ags,
            agreement_ref=outcome.agreement_ref,
            routed_at=now,
            decision=outcome.decision,
        )
        forwarded = _status(
            case,
            CaseState.ROUTED,
            now,
            processing_ags=pool.processing_ags,
            processing_town=town.display_name if town else pool.processing_ags,
            pool_id=pool.id,
        )
        return [
            # The work item names the agreement, so the domain service's documents can cite it.
            outbox_entry(
                self._topics.work(case.service, pool.id),
                _caused_by(submitted, case, pool.processing_ags, outcome.agreement_ref),
            ),
            outbox_entry(
                self._topics.case_routed, _caused_by(submitted, routed, pool.processing_ags, outcome.agreement_ref)
            ),
            outbox_entry(self._topics.case_status, _caused_by(submitted, forwarded, pool.processing_ags)),
        ]


def _case_deadlines(config: RoutingConfig, case: CaseSubmitted, now: datetime) -> dict[str, str | None]:
    """Target and legal deadline of the case in the owner town's working days, if the service has any."""
    deadlines = config.deadlines_of(case.service)
    if deadlines is None:
        return {}
    calendar = config.calendar_of_town(case.owner_ags)
    arrived = now.astimezone(SAXONY_TZ).date()
    legal = deadline_after(arrived, deadlines.case_legal_days, calendar) if deadlines.case_legal_days else None
    return {
        "target_date": deadline_after(arrived, deadlines.case_target_days, calendar).isoformat(),
        "legal_date": legal.isoformat() if legal else None,
    }


class CloseCase:
    """Cases reached a final state: they no longer count against their pools' backlogs."""

    def __init__(self, repository: RouteRepository) -> None:
        self._repository = repository

    async def __call__(self, events: Sequence[CloudEvent[CaseStatus]]) -> None:
        """One call per batch of status events: their closings are written together."""
        closings = [(e.data.case_id, e.data.pool_id) for e in events if e.data.state.is_final]
        if closings:
            await self._repository.close(closings)
