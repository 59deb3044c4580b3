"""XRechnung events on ``einvoice.events.v1`` (public): what happened to a received e-invoice.

One model per event type; all share the topic. They carry ids, verdicts, rule ids, towns and the
payable amount (public spending), never the invoice's lines or a person's name: integrators fetch
the invoice itself through the einvoice service's API.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from ikdz_contracts.cloudevents import AGS_PATTERN, EventData
from ikdz_contracts.topics import POOL_ID_PATTERN

__all__ = [
    "EINVOICE_EVENTS",
    "ApprovalStep",
    "InvoiceApprovalStepDone",
    "InvoiceDuplicate",
    "InvoiceExported",
    "InvoiceReceived",
    "InvoiceRejected",
    "InvoiceReleased",
    "InvoiceRouted",
    "InvoiceValidated",
    "RejectionKind",
]

SHA256_PATTERN = r"^[0-9a-f]{64}$"


class _InvoiceEvent(EventData):
    TOPIC: ClassVar[str] = "einvoice.events.v1"
    PUBLIC: ClassVar[bool] = True

    invoice_id: str = Field(description="The invoice's id in the einvoice service (UUIDv7); also the case id.")
    occurred_at: AwareDatetime


class InvoiceReceived(_InvoiceEvent):
    """An e-invoice passed the XML gate and its original bytes are stored; validation follows."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.einvoice.received.v1"

    channel: Literal["api", "web", "import"]
    sha256: str = Field(pattern=SHA256_PATTERN, description="SHA-256 of the original bytes, stored unchanged.")
    size: int = Field(ge=1)
    syntax: Literal["ubl-invoice", "ubl-creditnote", "cii"]


class InvoiceValidated(_InvoiceEvent):
    """The official rules (XML Schema, EN 16931, XRechnung) accept the invoice."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.einvoice.validated.v1"

    scenario: str | None = Field(description="KoSIT scenario that matched the specification identifier (BT-24).")
    rule_set: str = Field(description="Names and versions of the rule artefacts used.")
    warnings: list[str] = Field(default_factory=list, description="Rule ids of warnings (do not reject).")


class RejectionKind(StrEnum):
    INVALID = "invalid"
    """The official rules reject the invoice."""
    UNROUTABLE = "unroutable"
    """The Leitweg-ID (BT-10) is missing, wrong or belongs to no town of the center."""
    OBJECTED = "objected"
    """A clerk objected in an approval step."""


class InvoiceRejected(_InvoiceEvent):
    """The invoice is rejected; the supplier finds the rejection notice under the invoice's status URL."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.einvoice.rejected.v1"

    kind: RejectionKind
    owner_ags: str | None = Field(default=None, pattern=AGS_PATTERN)
    failed_rules: list[str] = Field(default_factory=list, description="Ids of the rules that failed.")
    message_de: str = Field(description="Plain German summary of why.")


class InvoiceDuplicate(_InvoiceEvent):
    """Same seller, number and kind of document as an invoice received before: not processed twice."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.einvoice.duplicate.v1"

    duplicate_of: str = Field(description="The invoice id received first.")


class InvoiceRouted(_InvoiceEvent):
    """The Leitweg-ID names the owner town and the department; a case was filed for the approval."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.einvoice.routed.v1"

    owner_ags: str = Field(pattern=AGS_PATTERN)
    file_number: str
    leitweg_id: str
    department: str
    pool_id: str = Field(pattern=POOL_ID_PATTERN, description="The department's pool (asked of routing).")
    corrects: list[str] = Field(
        default_factory=list, description="Invoice ids this credit note or corrected invoice refers to (BG-3)."
    )


class ApprovalStep(StrEnum):
    """The steps of the approval under municipal budget law (sachliche und rechnerische Feststellung, Anordnung)."""

    FACTUAL = "sachlich_richtig"
    ARITHMETIC = "rechnerisch_richtig"
    RELEASE = "anordnung"


class InvoiceApprovalStepDone(_InvoiceEvent):
    """One approval step was decided, by a clerk through a routing task or by a town's automation rule."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.einvoice.approval.step.v1"

    owner_ags: str = Field(pattern=AGS_PATTERN)
    step: ApprovalStep
    approved: bool
    automated: bool
    task_id: str | None = None
    acting_ags: str | None = Field(default=None, pattern=AGS_PATTERN)


class InvoiceReleased(_InvoiceEvent):
    """Released for payment (Anordnung); it will be part of the town's next payment export."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.einvoice.released.v1"

    owner_ags: str = Field(pattern=AGS_PATTERN)
    file_number: str
    amount: Decimal = Field(description="Amount due for payment (BT-115).")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    automated: bool
    rule: str = Field(description="Why released: the four-eyes approval or the straight-through rule that applied.")


class InvoiceExported(_InvoiceEvent):
    """The invoice left in a payment export (SEPA credit transfer file and booking record)."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.einvoice.exported.v1"

    owner_ags: str = Field(pattern=AGS_PATTERN)
    export_id: str


EINVOICE_EVENTS: tuple[type[_InvoiceEvent], ...] = (
    InvoiceReceived,
    InvoiceValidated,
    InvoiceRejected,
    InvoiceDuplicate,
    InvoiceRouted,
    InvoiceApprovalStepDone,
    InvoiceReleased,
    InvoiceExported,
)
