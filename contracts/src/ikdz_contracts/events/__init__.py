"""Event payload models, one per CloudEvents type and major version."""

from ikdz_contracts.cloudevents import EventData
from ikdz_contracts.events.case import (
    Applicant,
    CaseDocument,
    CaseRouted,
    CaseState,
    CaseStatus,
    CaseSubmitted,
    PoolCandidate,
    RoutingDecision,
)
from ikdz_contracts.events.einvoice import (
    EINVOICE_EVENTS,
    ApprovalStep,
    InvoiceApprovalStepDone,
    InvoiceDuplicate,
    InvoiceExported,
    InvoiceReceived,
    InvoiceRejected,
    InvoiceReleased,
    InvoiceRouted,
    InvoiceValidated,
    RejectionKind,
)
from ikdz_contracts.events.gewerbe import (
    GEWERBE_EVENTS,
    GewerbeChanged,
    GewerbeDeregistered,
    GewerbeFeeNoticeIssued,
    GewerbeReceiptIssued,
    GewerbeRecipientMessage,
    GewerbeRegistered,
    GewerbeTaskClosed,
    GewerbeTaskOpened,
)
from ikdz_contracts.events.task import FourEyes, TaskCompleted, TaskOutcome, TaskRequested

ALL_EVENTS: tuple[type[EventData], ...] = (
    CaseSubmitted,
    CaseRouted,
    CaseStatus,
    TaskRequested,
    TaskCompleted,
    GewerbeRecipientMessage,
)
"""Events with a topic of their own."""
DOMAIN_EVENTS: tuple[type[EventData], ...] = (*EINVOICE_EVENTS, *GEWERBE_EVENTS)
"""Events of the domain services; several types share their service's domain topic."""

__all__ = [
    "ALL_EVENTS",
    "DOMAIN_EVENTS",
    "EINVOICE_EVENTS",
    "GEWERBE_EVENTS",
    "Applicant",
    "ApprovalStep",
    "CaseDocument",
    "CaseRouted",
    "CaseState",
    "CaseStatus",
    "CaseSubmitted",
    "FourEyes",
    "GewerbeChanged",
    "GewerbeDeregistered",
    "GewerbeFeeNoticeIssued",
    "GewerbeReceiptIssued",
    "GewerbeRecipientMessage",
    "GewerbeRegistered",
    "GewerbeTaskClosed",
    "GewerbeTaskOpened",
    "InvoiceApprovalStepDone",
    "InvoiceDuplicate",
    "InvoiceExported",
    "InvoiceReceived",
    "InvoiceRejected",
    "InvoiceReleased",
    "InvoiceRouted",
    "InvoiceValidated",
    "PoolCandidate",
    "RejectionKind",
    "RoutingDecision",
    "TaskCompleted",
    "TaskOutcome",
    "TaskRequested",
]
