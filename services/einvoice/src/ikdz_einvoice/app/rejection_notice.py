"""Use case helper: the rejection notice for a ``ValidationOutcome`` that is not accepted.

The outcome says why (refused by the XML gate, rejected by the rules, or not routable by its
Leitweg-ID); the original bytes give the document's number, date and seller where they are
readable. Pure apart from re-parsing those bytes with the same hardened gate.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date

from ikdz_einvoice.app.validate_invoice import OutcomeStatus, ValidationOutcome
from ikdz_einvoice.domain.document import parse_document
from ikdz_einvoice.domain.errors import DocumentRefusedError
from ikdz_einvoice.domain.rejection import (
    DocumentFacts,
    RejectionNotice,
    RejectionReason,
    build_rejection_notice,
    document_facts,
    reason_from_refusal,
    reason_from_routing,
    reasons_from_report,
)
from ikdz_einvoice.domain.routing import RoutingRejection


def rejection_reasons(outcome: ValidationOutcome) -> tuple[RejectionReason, ...]:
    """Why *outcome* is not accepted; empty for an accepted outcome."""
    if outcome.refusal is not None:
        return (reason_from_refusal(outcome.refusal.reason, outcome.refusal.message_de),)
    if outcome.report is not None and not outcome.report.accepted:
        return reasons_from_report(outcome.report)
    if isinstance(outcome.route, RoutingRejection):
        return (reason_from_routing(outcome.route),)
    return ()


def rejection_notice(
    outcome: ValidationOutcome,
    data: bytes,
    *,
    town: str,
    received_on: date,
    issued_on: date,
    filename: str | None = None,
    contact: str | None = None,
) -> RejectionNotice:
    """The notice for the upload *data* whose validation gave *outcome*; ``ValueError`` if it was accepted."""
    if outcome.status is OutcomeStatus.ACCEPTED:
        raise ValueError("an accepted invoice gets no rejection notice")
    facts = DocumentFacts(received_on=received_on, sha256=outcome.sha256, filename=filename)
    if outcome.refusal is None:
        # The bytes passed the gate once; should they not again, the notice keeps the bare facts.
        with suppress(DocumentRefusedError):
            document = parse_document(data, max_bytes=max(len(data), 1))
            facts = document_facts(document, received_on=received_on, filename=filename)
    return build_rejection_notice(facts, rejection_reasons(outcome), town=town, issued_on=issued_on, contact=contact)
