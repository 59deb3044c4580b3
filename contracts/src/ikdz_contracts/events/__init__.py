"""Event payload models, one per CloudEvents type and major version."""

from ikdz_contracts.events.case import (
    Applicant,
    CaseRouted,
    CaseState,
    CaseStatus,
    CaseSubmitted,
    PoolCandidate,
    RoutingDecision,
)
from ikdz_contracts.events.task import FourEyes, TaskCompleted, TaskOutcome, TaskRequested

ALL_EVENTS = (CaseSubmitted, CaseRouted, CaseStatus, TaskRequested, TaskCompleted)

__all__ = [
    "ALL_EVENTS",
    "Applicant",
    "CaseRouted",
    "CaseState",
    "CaseStatus",
    "CaseSubmitted",
    "FourEyes",
    "PoolCandidate",
    "RoutingDecision",
    "TaskCompleted",
    "TaskOutcome",
    "TaskRequested",
]
