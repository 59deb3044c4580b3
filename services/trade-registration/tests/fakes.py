"""In-memory fakes of trade-registration's ports (and a spy on the renderer); they record what they were given."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige
from ikdz_trade_registration.adapters.documents import PdfRenderer
from ikdz_trade_registration.app.ports import KeyClaim, StoredDocument
from ikdz_trade_registration.domain.fees import Fee
from ikdz_trade_registration.domain.flow import RegisterChange
from ikdz_trade_registration.domain.issuing import IssuingContext
from ikdz_trade_registration.domain.registrations import Registration


class FakeSteps:
    def __init__(self) -> None:
        self.steps: dict[str, dict[str, Any]] = {}
        self.published: list[str] = []  # ids of the steps whose events went to the relay
        self.writes = 0  # calls of record_all

    async def stored(self, step_ids: Sequence[str]) -> list[dict[str, Any]]:
        found = (self.steps[step_id] for step_id in sorted(set(step_ids)) if step_id in self.steps)
        return [{k: copy.deepcopy(v) for k, v in step.items() if k != "outbox"} for step in found]

    async def record_all(self, steps: Sequence[tuple[dict[str, Any], list[dict[str, Any]]]]) -> set[str]:
        self.writes += 1
        inserted = set()
        for step, outbox in steps:
            if step["_id"] not in self.steps:
                self.steps[step["_id"]] = {**copy.deepcopy(step), "outbox": outbox}
                self.published.append(step["_id"])
                inserted.add(step["_id"])
        return inserted

    async def of_case(self, case_id: str) -> list[dict[str, Any]]:
        return sorted((s for s in self.steps.values() if s["case_id"] == case_id), key=lambda s: s["at"])

    def outbox(self, case_id: str | None = None) -> list[dict[str, Any]]:
        return [e for s in self.steps.values() if case_id in {None, s["case_id"]} for e in s["outbox"]]


class FakeRegister:
    def __init__(self) -> None:
        self.registrations: dict[str, Registration] = {}
        self.keys: dict[str, str] = {}
        self.applied: list[RegisterChange] = []
        self.reads: list[tuple[list[str], list[str]]] = []  # holder keys and ids of each candidates call

    async def candidates(self, holder_keys: Sequence[str], registration_ids: Sequence[str]) -> list[Registration]:
        self.reads.append((list(holder_keys), list(registration_ids)))
        return [
            r
            for r in self.registrations.values()
            if r.holder_key in holder_keys or r.registration_id in registration_ids
        ]

    async def claim_all(self, claims: Sequence[tuple[str, str]]) -> list[KeyClaim]:
        claimed = []
        for key, registration_id in claims:
            new = key not in self.keys
            claimed.append(KeyClaim(self.keys.setdefault(key, registration_id), new))
        return claimed

    async def release_all(self, claims: Sequence[tuple[str, str]]) -> None:
        for key, registration_id in claims:
            if self.keys.get(key) == registration_id:
                del self.keys[key]

    async def apply_all(self, changes: Sequence[RegisterChange]) -> None:
        for change in changes:
            self.applied.append(change)
            registration = change.registration
            if change.action != "create" or registration.registration_id not in self.registrations:
                self.registrations[registration.registration_id] = registration
            if change.release_key is not None:
                await self.release_all([(change.release_key, registration.registration_id)])
            if change.hold_key is not None and change.action != "create":  # a new one's key is claimed before
                self.keys.setdefault(change.hold_key, registration.registration_id)


class FakeDocuments:
    def __init__(self) -> None:
        self.documents: dict[str, StoredDocument] = {}

    async def get(self, case_id: str, document_id: str) -> StoredDocument | None:
        document = self.documents.get(document_id)
        return document if document is not None and document.case_id == case_id else None

    async def put(self, document: StoredDocument) -> StoredDocument:
        return self.documents.setdefault(document.document_id, document)


class CountingRenderer(PdfRenderer):
    """The service's renderer, counting what it renders."""

    def __init__(self) -> None:
        super().__init__()
        self.rendered: list[str] = []

    def receipt(self, app: Gewerbeanzeige, ctx: IssuingContext) -> bytes:
        self.rendered.append("receipt")
        return super().receipt(app, ctx)

    def fee_notice(self, app: Gewerbeanzeige, ctx: IssuingContext, fee: Fee) -> bytes:
        self.rendered.append("fee_notice")
        return super().fee_notice(app, ctx, fee)


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now
