"""The rejection notice to a supplier: which rules the invoice failed, what that means, what to do next.

Pure: ``build_rejection_notice`` takes what is known about the document and the reasons, and returns
a :class:`RejectionNotice` whose ``text()`` is the plain German letter (the PDF renderer in
``adapters/`` lays out the same parts). Reasons come from the validation report (fatal findings
only: warnings never reject), from a failed Leitweg-ID route, or from the XML gate's refusal.

A rejected document was never extracted, so :func:`document_facts` reads the few identifying terms
(number, date, seller, Leitweg-ID) best-effort from the parsed document and never raises.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ikdz_einvoice.domain.document import ParsedDocument, Syntax
from ikdz_einvoice.domain.errors import ExtractionError, RefusalReason
from ikdz_einvoice.domain.fields import cii_date, iso_date, text
from ikdz_einvoice.domain.formatting import format_date
from ikdz_einvoice.domain.labels import term_label
from ikdz_einvoice.domain.routing import RoutingRejection
from ikdz_einvoice.domain.rule_texts import explain_rule
from ikdz_einvoice.domain.validation import Severity, ValidationReport


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """What identifies the rejected document to its sender; every term may be missing."""

    received_on: date
    sha256: str | None = None
    filename: str | None = None
    invoice_number: str | None = None
    issue_date: date | None = None
    seller_name: str | None = None
    buyer_reference: str | None = None


@dataclass(frozen=True, slots=True)
class RejectionReason:
    rule_id: str
    explanation: str
    """Plain German: our explanation of the rule, else the official message."""
    official_message: str | None = None
    """The rule's own message, when it says more than the explanation."""
    location: str | None = None
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RejectionNotice:
    town: str
    issued_on: date
    subject: str
    document: tuple[tuple[str, str], ...]
    """(label, value) pairs naming the rejected document."""
    intro: str
    reasons: tuple[RejectionReason, ...]
    next_steps: tuple[str, ...]
    closing: str

    def text(self) -> str:
        """The notice as plain text (UTF-8, lines under 100 characters where the content allows)."""
        out = [f"{self.town}, {format_date(self.issued_on)}", "", self.subject, ""]
        out += [f"{label}: {value}" for label, value in self.document]
        out += ["", self.intro, ""]
        for number, reason in enumerate(self.reasons, start=1):
            out.append(f"{number}. {reason.rule_id}: {reason.explanation}")
            if reason.official_message:
                out.append(f"   Meldung der Prüfregel: {reason.official_message}")
            if reason.terms:
                out.append(f"   Betrifft: {', '.join(reason.terms)}")
            if reason.location:
                out.append(f"   Stelle in der Datei: {reason.location}")
        out += ["", "Was Sie jetzt tun können:"]
        out += [f"- {step}" for step in self.next_steps]
        out += ["", self.closing, ""]
        return "\n".join(out)


def reasons_from_report(report: ValidationReport) -> tuple[RejectionReason, ...]:
    """One reason per fatal finding, in report order; warnings and information never reject."""
    reasons = []
    for finding in report.findings:
        if finding.severity is not Severity.FATAL:
            continue
        explanation = explain_rule(finding.rule_id)
        reasons.append(
            RejectionReason(
                rule_id=finding.rule_id,
                explanation=explanation or finding.message,
                official_message=finding.message if explanation else None,
                location=finding.location,
                terms=tuple(term_label(term) for term in finding.business_terms),
            )
        )
    if report.scenario is None and not reasons:
        reasons.append(RejectionReason("IKDZ-SCENARIO", explain_rule("IKDZ-SCENARIO") or "", terms=("BT-24",)))
    return tuple(reasons)


def reason_from_routing(rejection: RoutingRejection) -> RejectionReason:
    """A Leitweg-ID that is missing, wrong or not ours (BT-10)."""
    explanation = explain_rule(rejection.reason.value) or rejection.message_de
    return RejectionReason(
        rule_id=rejection.reason.value.upper(),
        explanation=f"{rejection.message_de} {explanation}" if explanation != rejection.message_de else explanation,
        terms=(term_label("BT-10"),),
    )


def reason_from_refusal(reason: RefusalReason, message_de: str) -> RejectionReason:
    """The upload was not an XML e-invoice at all (the XML gate refused it)."""
    return RejectionReason(rule_id=f"EINGANG-{reason.value.upper()}", explanation=message_de)


_NEXT_STEPS = (
    "Korrigieren Sie die genannten Punkte in Ihrer Rechnungssoftware und senden Sie die Rechnung erneut als "
    "XRechnung. Die zurückgewiesene Rechnung gilt als nicht zugegangen; sie wird weder gebucht noch bezahlt. "
    "Sie können sie unter derselben Rechnungsnummer erneut senden.",
    "Stellen Sie keine Gutschrift oder Stornorechnung zu dieser Rechnung aus: Sie wurde nicht gebucht.",
    "Sie können Ihre Rechnung vorab selbst prüfen, zum Beispiel mit dem Prüfwerkzeug (Validator) der KoSIT "
    "für XRechnung.",
    "Die Leitweg-ID erhalten Sie von der bestellenden Stelle; sie steht in der Regel im Auftrag oder in der "
    "Bestellung.",
)


def build_rejection_notice(
    facts: DocumentFacts,
    reasons: Iterable[RejectionReason],
    *,
    town: str,
    issued_on: date,
    contact: str | None = None,
) -> RejectionNotice:
    """The notice *town* sends for the document *facts* describe; *reasons* must not be empty."""
    reasons = tuple(reasons)
    if not reasons:
        raise ValueError("a rejection notice needs at least one reason")
    number = facts.invoice_number
    document = [
        ("Rechnungsnummer", number or "nicht lesbar"),
        ("Rechnungsdatum", format_date(facts.issue_date) if facts.issue_date else None),
        ("Rechnungssteller", facts.seller_name),
        ("Leitweg-ID", facts.buyer_reference),
        ("Eingegangen am", format_date(facts.received_on)),
        ("Datei", facts.filename),
        ("Prüfsumme (SHA-256)", facts.sha256),
    ]
    count = "einen Grund" if len(reasons) == 1 else f"{len(reasons)} Gründe"
    contact_line = f" Bei Fragen erreichen Sie uns unter {contact}." if contact else ""
    return RejectionNotice(
        town=town,
        issued_on=issued_on,
        subject=f"Zurückweisung Ihrer elektronischen Rechnung {number}"
        if number
        else "Zurückweisung Ihrer elektronischen Rechnung",
        document=tuple((label, value) for label, value in document if value),
        intro=f"Sehr geehrte Damen und Herren, die {town} kann die oben genannte elektronische Rechnung nicht "
        f"annehmen. Sie erfüllt die Vorgaben für elektronische Rechnungen an öffentliche Auftraggeber (XRechnung, "
        f"EN 16931) nicht. Die Prüfung hat {count} für die Zurückweisung ergeben:",
        reasons=reasons,
        next_steps=_NEXT_STEPS,
        closing=f"Diese Mitteilung wurde automatisch erstellt und ist ohne Unterschrift gültig.{contact_line} "
        "Mit freundlichen Grüßen, Ihre Rechnungseingangsstelle",
    )


def document_facts(
    document: ParsedDocument,
    *,
    received_on: date,
    filename: str | None = None,
) -> DocumentFacts:
    """Number, date, seller and Leitweg-ID read best-effort from a (possibly invalid) document."""
    root = document.root
    try:
        issue = (
            cii_date(root, "rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
            if document.syntax is Syntax.CII
            else iso_date(root, "cbc:IssueDate")
        )
    except ExtractionError:
        issue = None
    if document.syntax is Syntax.CII:
        agreement = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
        number = text(root, "rsm:ExchangedDocument/ram:ID")
        seller = text(root, f"{agreement}/ram:SellerTradeParty/ram:Name")
        reference = text(root, f"{agreement}/ram:BuyerReference")
    else:
        number = text(root, "cbc:ID")
        party = "cac:AccountingSupplierParty/cac:Party"
        seller = text(root, f"{party}/cac:PartyLegalEntity/cbc:RegistrationName") or text(
            root, f"{party}/cac:PartyName/cbc:Name"
        )
        reference = text(root, "cbc:BuyerReference")
    return DocumentFacts(
        received_on=received_on,
        sha256=document.sha256,
        filename=filename,
        invoice_number=number,
        issue_date=issue,
        seller_name=seller,
        buyer_reference=reference,
    )
