"""The rejection notice for the supplier: plain German, naming every rule the invoice failed."""

from __future__ import annotations

from ikdz_einvoice.app.validate_invoice import ValidationOutcome
from ikdz_einvoice.domain.routing import RoutingRejection
from ikdz_einvoice.domain.validation import Severity

CLOSING_DE = (
    "Bitte korrigieren Sie die Rechnung und reichen Sie sie erneut ein. Eine abgelehnte Rechnung "
    "gilt als nicht zugegangen; Zahlungsfristen beginnen erst mit einer gültigen Rechnung."
)


def rejection_notice(outcome: ValidationOutcome) -> str:
    """The notice's text: what was received, why it is rejected, each failed rule, what to do."""
    lines = [
        "Ablehnung Ihrer elektronischen Rechnung",
        f"Ihre Datei (SHA-256 {outcome.sha256}, {outcome.size} Bytes) wurde geprüft und nicht angenommen.",
    ]
    if outcome.refusal is not None:
        lines.append(outcome.refusal.message_de)
    elif isinstance(outcome.route, RoutingRejection):
        number = f" {outcome.invoice.number}" if outcome.invoice else ""
        lines.append(
            f"Die Rechnung{number} erfüllt die Regeln der XRechnung, kann aber keiner Stelle zugeordnet werden: "
            f"{outcome.route.message_de} Die Leitweg-ID erhalten Sie von der bestellenden Stelle."
        )
    elif outcome.report is not None:
        fatal = outcome.report.fatal()
        if outcome.report.scenario is None:
            lines.append(
                "Die Rechnung gibt keine Spezifikation an, die wir annehmen (Spezifikationskennung, BT-24). "
                "Erwartet wird XRechnung 3.0."
            )
        lines.append(f"Die Rechnung verletzt {len(fatal)} verbindliche Regel(n) der XRechnung und der EN 16931:")
        for finding in fatal:
            terms = f" ({', '.join(finding.business_terms)})" if finding.business_terms else ""
            lines.append(f"- Regel {finding.rule_id}{terms}: {finding.message}")
        warnings = outcome.report.rule_ids(Severity.WARNING)
        if warnings:
            lines.append(f"Hinweise ohne Ablehnungsgrund: {', '.join(sorted(warnings))}.")
    lines.append(CLOSING_DE)
    return "\n".join(lines)
