"""Case lifecycle events: submitted (internal), routed and status (public).

Fields marked ``personal_data`` in their JSON Schema (``json_schema_extra``) carry personal data;
they appear only on internal topics (``case.submitted``, the pools' work topics and ``task.*``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ikdz_contracts.cloudevents import AGS_PATTERN, PERSONAL, EventData
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import POOL_ID_PATTERN

__all__ = [
    "FILE_NUMBER_PATTERN",
    "PERSONAL",
    "Applicant",
    "CaseDocument",
    "CaseRouted",
    "CaseState",
    "CaseStatus",
    "CaseSubmitted",
    "PoolCandidate",
    "RoutingDecision",
    "file_number",
]

FILE_NUMBER_PATTERN = r"^[A-Z]{3,4}-[A-Z]{3}-[0-9]{4}-[0-9]{6}$"


def file_number(town_code: str, service: ServiceId, year: int, sequence: int) -> str:
    """Readable file number, e.g. ``WUR-GEW-2026-000123``: town, service, year, running number."""
    if not 0 < sequence < 1_000_000:
        msg = f"sequence {sequence} out of range"
        raise ValueError(msg)
    return f"{town_code}-{service.code}-{year:04d}-{sequence:06d}"


class Applicant(BaseModel):
    """Who filed the case. Personal data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["natural_person", "legal_entity"]
    name: str = Field(min_length=1, max_length=200, json_schema_extra=PERSONAL)
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", json_schema_extra=PERSONAL
    )


class CaseSubmitted(EventData):
    """A case was accepted and stored by intake. Internal: carries the application."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.case.submitted.v1"
    TOPIC: ClassVar[str] = "case.submitted.v1"
    PUBLIC: ClassVar[bool] = False

    case_id: str
    file_number: str = Field(pattern=FILE_NUMBER_PATTERN)
    service: ServiceId
    owner_ags: str = Field(pattern=AGS_PATTERN)
    submitted_at: AwareDatetime
    channel: Literal["web", "api", "import"]
    applicant: Applicant = Field(json_schema_extra=PERSONAL)
    payload: dict[str, Any] = Field(
        default_factory=dict,
        description="Service-specific application data as filed; schema owned by the service.",
        json_schema_extra=PERSONAL,
    )
    required_skills: list[str] = Field(default_factory=list)
    requested_pool_id: str | None = Field(
        default=None,
        pattern=POOL_ID_PATTERN,
        description=(
            "The pool the filing service asks for (e.g. the department an e-invoice's Leitweg-ID names); "
            "routing honours it only if the pool is the owner town's own or reachable under an agreement."
        ),
    )


class PoolCandidate(BaseModel):
    """One pool routing considered, and why it was or was not eligible."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pool_id: str = Field(pattern=POOL_ID_PATTERN)
    processing_ags: str = Field(pattern=AGS_PATTERN)
    agreement_ref: str | None = None
    eligible: bool
    open_cases: int = Field(ge=0)
    capacity_per_day: float = Field(ge=0)
    expected_wait_days: float | None = Field(default=None, ge=0)
    reason: str


class RoutingDecision(BaseModel):
    """The explained result of the routing policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy_version: str
    reasons: list[str]
    candidates: list[PoolCandidate]


class CaseRouted(EventData):
    """Routing assigned the case to a worker pool. Public."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.case.routed.v1"
    TOPIC: ClassVar[str] = "case.routed.v1"
    PUBLIC: ClassVar[bool] = True

    case_id: str
    file_number: str = Field(pattern=FILE_NUMBER_PATTERN)
    service: ServiceId
    owner_ags: str = Field(pattern=AGS_PATTERN)
    pool_id: str = Field(pattern=POOL_ID_PATTERN)
    processing_ags: str = Field(pattern=AGS_PATTERN)
    agreement_ref: str | None = Field(
        default=None, description="The cooperation agreement when the case left its owner town."
    )
    routed_at: AwareDatetime
    decision: RoutingDecision


class CaseState(StrEnum):
    """Where a case stands; each state has a plain German label for the citizen."""

    RECEIVED = "received"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    AWAITING_CLERK = "awaiting_clerk"
    COMPLETED = "completed"
    REJECTED = "rejected"

    @property
    def label_de(self) -> str:
        return _STATE_LABELS_DE[self]

    @property
    def is_final(self) -> bool:
        return self in {CaseState.COMPLETED, CaseState.REJECTED}


_STATE_LABELS_DE = {
    CaseState.RECEIVED: "Eingegangen",
    CaseState.ROUTED: "Zur Bearbeitung weitergeleitet",
    CaseState.IN_PROGRESS: "In Bearbeitung",
    CaseState.AWAITING_CLERK: "Wird von einer Sachbearbeiterin oder einem Sachbearbeiter geprüft",
    CaseState.COMPLETED: "Abgeschlossen",
    CaseState.REJECTED: "Abgelehnt",
}


class CaseDocument(BaseModel):
    """A document the citizen may download from the status page (e.g. a receipt or a fee notice)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    document_id: str = Field(pattern=r"^[A-Za-z0-9-]{1,64}$")
    title_de: str = Field(min_length=1, max_length=200, description="Plain German title, no personal data.")
    media_type: Literal["application/pdf", "application/xml"]


class CaseStatus(EventData):
    """A citizen-visible status change. Public; never names a clerk."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.case.status.v1"
    TOPIC: ClassVar[str] = "case.status.v1"
    PUBLIC: ClassVar[bool] = True

    case_id: str
    file_number: str = Field(pattern=FILE_NUMBER_PATTERN)
    service: ServiceId
    owner_ags: str = Field(pattern=AGS_PATTERN)
    state: CaseState
    label_de: str = Field(description="Plain German text for the status page.")
    message_de: str | None = Field(default=None, description="Optional plain German explanation.")
    processing_ags: str | None = Field(default=None, pattern=AGS_PATTERN)
    processing_town: str | None = None
    pool_id: str | None = Field(default=None, pattern=POOL_ID_PATTERN)
    occurred_at: AwareDatetime
    documents: list[CaseDocument] | None = Field(
        default=None,
        description="Documents issued with this change; the status page offers them to the holder of the status token.",
    )
