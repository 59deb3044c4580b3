"""trade-registration's use cases wired to the in-memory fakes, with helpers to read what a case sent."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ikdz_contracts.cloudevents import CloudEvent, new_event
from ikdz_contracts.events import CaseSubmitted, TaskCompleted
from ikdz_contracts.reference.municipalities import load_municipalities
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_contracts.services import ServiceId
from ikdz_contracts.testing import case_submitted
from ikdz_contracts.topics import Topics
from ikdz_trade_registration.adapters.documents import PdfRenderer
from ikdz_trade_registration.adapters.xgewerbe_export import export_messages
from ikdz_trade_registration.app.documents import CaseDocuments
from ikdz_trade_registration.app.effects import StepWriter
from ikdz_trade_registration.app.notices import Planner, ProcessWorkItem
from ikdz_trade_registration.app.ports import Exporter, Renderer
from ikdz_trade_registration.app.tasks import CloseTask

from .builders import AUGUSTUSBURG, FEES, WURZEN
from .fakes import FakeDocuments, FakeRegister, FakeSteps, FixedClock

AGREEMENT = "ZV-IKDZ-2026-01 Wurzen/Augustusburg"
TOPICS = Topics("t.")
MUNICIPALITIES = load_municipalities()


def work_item(
    number: int, payload: dict[str, Any], owner: str = WURZEN, processing: str = AUGUSTUSBURG
) -> CloudEvent[CaseSubmitted]:
    """Case number ``number`` of ``owner`` routed to the pool of ``processing`` (under the agreement
    when the towns differ)."""
    case_id = f"case-{number}"
    data = case_submitted(case_id=case_id, owner_ags=owner, file_number=f"WUR-GEW-2026-{number:06d}", payload=payload)
    return new_event(
        data,
        source="urn:ikdz:routing",
        subject=case_id,
        ownerags=owner,
        processingags=processing,
        agreementref=AGREEMENT if owner != processing else None,
    )


@dataclass
class Service:
    steps: FakeSteps = field(default_factory=FakeSteps)
    register: FakeRegister = field(default_factory=FakeRegister)
    documents: FakeDocuments = field(default_factory=FakeDocuments)
    clock: FixedClock = field(default_factory=FixedClock)
    renderer: Renderer = field(default_factory=PdfRenderer)
    exporter: Exporter = export_messages
    numbers: int = 0

    def __post_init__(self) -> None:
        wz = wz_catalogue()
        planner = Planner(self.register, wz, FEES, {m.ags: m.display_name for m in MUNICIPALITIES})
        writer = StepWriter(self.exporter, wz, FEES, MUNICIPALITIES, TOPICS)
        self.process = ProcessWorkItem(self.steps, self.register, planner, writer, self.clock)
        self.close = CloseTask(self.steps, self.register, planner, writer, self.clock)
        self.case_documents = CaseDocuments(self.steps, self.documents, self.renderer)

    def work_item(
        self, payload: dict[str, Any], owner: str = WURZEN, processing: str = AUGUSTUSBURG
    ) -> CloudEvent[CaseSubmitted]:
        self.numbers += 1
        return work_item(self.numbers, payload, owner, processing)

    async def file(self, payload: dict[str, Any], **towns: str) -> str:
        item = self.work_item(payload, **towns)
        assert await self.process("augustusburg", item)
        return item.data.case_id

    def events(self, case_id: str, topic: str | None = None) -> list[dict[str, Any]]:
        return [json.loads(e["value"]) for e in self.steps.outbox(case_id) if topic in {None, e["topic"]}]

    def types(self, case_id: str) -> list[str]:
        return [event["type"].removeprefix("de.ikdz.") for event in self.events(case_id)]

    def statuses(self, case_id: str) -> list[dict[str, Any]]:
        return [e["data"] for e in self.events(case_id, TOPICS.case_status)]

    def tasks(self, case_id: str) -> list[dict[str, Any]]:
        return [e["data"] for e in self.events(case_id, TOPICS.task_requested)]

    async def complete(self, task: dict[str, Any], outcome: str) -> bool:
        data = TaskCompleted(
            task_id=task["task_id"],
            case_id=task["case_id"],
            service=ServiceId.TRADE_REGISTRATION,
            kind=task["kind"],
            outcome=outcome,
            reason="geprüft",
            completed_by="aug-clerk-01",
            acting_ags=AUGUSTUSBURG,
            completed_at=datetime(2026, 11, 26, 10, tzinfo=UTC),
        )
        self.clock.now = datetime(2026, 11, 26, 10, tzinfo=UTC)
        return await self.close(new_event(data, source="urn:ikdz:routing", subject=task["case_id"], ownerags=WURZEN))
