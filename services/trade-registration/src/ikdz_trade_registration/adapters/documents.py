"""The receipt (Gewerbeanzeige-Bestätigung, § 15 Abs. 1 GewO) and the fee notice as PDF (reportlab).

Both documents name the owner town as the issuing authority; where another town processed the
case under a Zweckvereinbarung they say so ("im Auftrag und im Namen …", § 71 Abs. 2 SächsKomZG).
Both carry the file number, the note that they were produced automatically and the rule-set
version that produced them. The fee notice is an administrative act issued fully automatically
(§ 35a VwVfG), valid without signature (§ 37 Abs. 5 VwVfG), with the legal basis of the fee and a
Rechtsbehelfsbelehrung naming the owner town's office.

Rendering is deterministic for the same input (fixed creation date and document id), so a stored
document can be re-created byte for byte.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, NoticeKind
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ikdz_trade_registration.domain.fees import COST_LAW, Fee
from ikdz_trade_registration.domain.issuing import IssuingContext

_DATE_LABEL = {
    NoticeKind.ANMELDUNG: "Beginn der Tätigkeit",
    NoticeKind.UMMELDUNG: "Datum der Änderung",
    NoticeKind.ABMELDUNG: "Datum der Betriebsaufgabe",
}


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["Normal"], fontName="Helvetica", fontSize=10, leading=13.5)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#333333")),
        "sender": ParagraphStyle("sender", parent=body, fontSize=9, leading=12),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT, fontSize=9),
        "title": ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=15, leading=19, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=10, textColor=colors.HexColor("#444444")),
        "heading": ParagraphStyle("heading", parent=body, fontName="Helvetica-Bold", fontSize=10.5, spaceBefore=8),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=12),
        "label": ParagraphStyle("label", parent=body, fontName="Helvetica-Bold", fontSize=9.5, leading=12),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _letterhead(ctx: IssuingContext, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    authority = ctx.authority
    sender = f"{authority.name}<br/>{escape(authority.street)}<br/>{authority.postal_code} {escape(authority.city)}"
    head = Table(
        [[Paragraph(sender, st["sender"]), _p(f"{authority.city}, {ctx.issued_on:%d.%m.%Y}", st["right"])]],
        colWidths=[110 * mm, 60 * mm],
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [head, Spacer(1, 10 * mm)]


def _facts(rows: list[tuple[str, str]], st: dict[str, ParagraphStyle]) -> Table:
    table = Table([[_p(k, st["label"]), _p(v, st["cell"])] for k, v in rows], colWidths=[52 * mm, 118 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB")),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _footer_notes(ctx: IssuingContext, st: dict[str, ParagraphStyle], automated: str) -> list[Flowable]:
    notes: list[Flowable] = [Spacer(1, 6 * mm)]
    if ctx.processing_town is not None and ctx.processing_town != ctx.owner_town:
        agreement = ctx.agreement_ref or "(ohne Angabe)"
        notes.append(
            _p(
                f"Bearbeitet von der {ctx.processing_town} im Auftrag und im Namen der {ctx.owner_town} auf Grundlage "
                f"der Zweckvereinbarung {agreement} (§ 71 Abs. 2 SächsKomZG). Zuständige Behörde bleibt die "
                f"{ctx.owner_town}.",
                st["small"],
            )
        )
    notes.append(_p(automated, st["small"]))
    notes.append(_p(f"Regelwerk: {ctx.ruleset_version} · Gewerbebetrieb-ID: {ctx.registration_id}", st["small"]))
    return notes


def _notice_rows(app: Gewerbeanzeige, ctx: IssuingContext) -> list[tuple[str, str]]:
    address = app.establishment.address
    rows = [
        ("Aktenzeichen", ctx.file_number),
        ("Art der Anzeige", app.kind.label_de),
        ("Eingang der Anzeige", f"{app.filed_on:%d.%m.%Y}"),
        (_DATE_LABEL[app.kind], f"{app.effective_date:%d.%m.%Y}"),
        ("Betrieb / Inhaber", app.holder_name),
        ("Rechtsform", app.legal_form.label_de),
        ("Betriebsstätte", f"{address.street} {address.house_number}, {address.postal_code} {address.city}"),
    ]
    if app.establishment.trade_name:
        rows.append(("Geschäftsbezeichnung", app.establishment.trade_name))
    rows.extend(
        (f"Tätigkeit {n}" if len(app.activities) > 1 else "Tätigkeit", f"{line.description} (WZ 2008: {line.wz_code})")
        for n, line in enumerate(app.activities, start=1)
    )
    return rows


def _build(story: list[Flowable], title: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="IKDZ trade-registration",
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()


def render_receipt(app: Gewerbeanzeige, ctx: IssuingContext) -> bytes:
    """The Empfangsbestätigung (Gewerbeanzeige-Bestätigung) as PDF."""
    st = _styles()
    story = [
        *_letterhead(ctx, st),
        _p("Gewerbeanzeige-Bestätigung", st["title"]),
        _p(f"Bestätigung über den Empfang einer {app.kind.label_de} (§ 15 Abs. 1 GewO)", st["subtitle"]),
        Spacer(1, 6 * mm),
        _facts(_notice_rows(app, ctx), st),
        Spacer(1, 5 * mm),
        _p(
            f"Die {ctx.owner_town} bestätigt den Empfang der oben bezeichneten {app.kind.label_de} vom "
            f"{app.filed_on:%d.%m.%Y}. Diese Bestätigung ist keine Erlaubnis: Erfordert die Tätigkeit eine "
            "Erlaubnis, eine Eintragung in die Handwerksrolle oder eine andere Zulassung, darf sie erst mit "
            "dieser ausgeübt werden. Die Angaben werden nach § 14 GewO an die gesetzlich bestimmten Stellen "
            "übermittelt.",
            st["body"],
        ),
        *_footer_notes(
            ctx,
            st,
            "Diese Bestätigung wurde automatisiert erstellt und ist ohne Unterschrift gültig.",
        ),
    ]
    return _build(story, f"Gewerbeanzeige-Bestätigung {ctx.file_number}")


def render_fee_notice(app: Gewerbeanzeige, ctx: IssuingContext, fee: Fee) -> bytes:
    """The Gebührenbescheid (fully automated administrative act, § 35a VwVfG) as PDF."""
    st = _styles()
    authority = ctx.authority
    story = [
        *_letterhead(ctx, st),
        _p("Gebührenbescheid", st["title"]),
        _p(f"Verwaltungsgebühr für die Entgegennahme einer {app.kind.label_de}", st["subtitle"]),
        Spacer(1, 6 * mm),
        _facts(
            [
                ("Aktenzeichen", ctx.file_number),
                ("Betrieb / Inhaber", app.holder_name),
                ("Anzeige", f"{app.kind.label_de} vom {app.filed_on:%d.%m.%Y}"),
                ("Festgesetzte Gebühr", fee.amount_de),
            ],
            st,
        ),
        Spacer(1, 5 * mm),
        _p(
            f"Für die Entgegennahme Ihrer {app.kind.label_de} vom {app.filed_on:%d.%m.%Y} wird eine "
            f"Verwaltungsgebühr in Höhe von {fee.amount_de} festgesetzt.",
            st["body"],
        ),
        _p("Rechtsgrundlage", st["heading"]),
        _p(
            f"{COST_LAW} in Verbindung mit {fee.tariff} (Rahmen 22 bis 112 Euro); Gebührenhöhe nach der "
            f"Festsetzung für Standardfälle: {fee.legal_source} (gültig ab {fee.schedule_valid_from:%d.%m.%Y}).",
            st["body"],
        ),
        _p("Zahlungshinweis", st["heading"]),
        _p(
            "Bitte zahlen Sie den Betrag innerhalb eines Monats nach Bekanntgabe dieses Bescheids unter Angabe "
            f"des Aktenzeichens {ctx.file_number}. Die Zahlungsaufforderung mit der Bankverbindung erhalten Sie "
            "von der Stadtkasse.",
            st["body"],
        ),
        _p("Rechtsbehelfsbelehrung", st["heading"]),
        _p(
            "Gegen diesen Bescheid kann innerhalb eines Monats nach seiner Bekanntgabe Widerspruch erhoben werden. "
            f"Der Widerspruch ist bei der {authority.name}, {authority.street}, {authority.postal_code} "
            f"{authority.city}, schriftlich, in elektronischer Form nach § 3a Abs. 2 VwVfG oder zur Niederschrift "
            "einzulegen.",
            st["body"],
        ),
        *_footer_notes(
            ctx,
            st,
            "Dieser Bescheid wurde vollständig automatisiert erlassen (§ 35a VwVfG in Verbindung mit § 1 SächsVwVfZG) "
            "und ist ohne Unterschrift und Namenswiedergabe gültig (§ 37 Abs. 5 VwVfG). "
            f"Gebührenkonfiguration: {fee.config_version}.",
        ),
    ]
    return _build(story, f"Gebührenbescheid {ctx.file_number}")


class PdfRenderer:
    """The ``Renderer`` port over the two render functions."""

    def receipt(self, app: Gewerbeanzeige, ctx: IssuingContext) -> bytes:
        return render_receipt(app, ctx)

    def fee_notice(self, app: Gewerbeanzeige, ctx: IssuingContext, fee: Fee) -> bytes:
        return render_fee_notice(app, ctx, fee)
