"""The readable invoice and the rejection notice as PDF (reportlab, as trade-registration's documents).

Both lay out what the pure builders in ``domain/`` return and add nothing of their own, so the
PDF, the HTML page and the plain-text notice say the same. Rendering is deterministic for the same
input (reportlab's ``invariant`` mode: fixed creation date and document id), so a stored PDF can be
re-created byte for byte. Fonts are the PDF base fonts (Helvetica, WinAnsi): German text and the
euro sign are covered; a character outside that set shows as a blank box, the HTML view shows it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ikdz_einvoice.domain.formatting import format_date
from ikdz_einvoice.domain.invoice_view import InvoiceView, ViewField, ViewTable
from ikdz_einvoice.domain.rejection import RejectionNotice

_GRID = colors.HexColor("#BBBBBB")
_HEAD = colors.HexColor("#E8ECF1")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["Normal"], fontName="Helvetica", fontSize=9.5, leading=12.5)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "num": ParagraphStyle("num", parent=body, fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=body, fontName="Helvetica-Bold", fontSize=8.5, leading=10.5),
        "label": ParagraphStyle("label", parent=body, fontName="Helvetica-Bold", fontSize=8.5, leading=10.5),
        "title": ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=15, leading=19),
        "subtitle": ParagraphStyle("subtitle", parent=body, textColor=colors.HexColor("#444444")),
        "heading": ParagraphStyle(
            "heading", parent=body, fontName="Helvetica-Bold", fontSize=11, spaceBefore=8, spaceAfter=3
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(rows: Sequence[Sequence[Flowable]], widths: Sequence[float], *, header: bool) -> Table:
    table = Table([list(row) for row in rows], colWidths=list(widths), repeatRows=1 if header else 0)
    style: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, _GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), _HEAD))
    table.setStyle(TableStyle(style))
    return table


def _facts(fields: Sequence[ViewField], st: dict[str, ParagraphStyle], width: float) -> Table:
    rows: list[list[Flowable]] = [[_p(f.key, st["label"]), _p(f.value, st["cell"])] for f in fields]
    return _table(rows, [width * 0.38, width * 0.62], header=False)


def _grid(table: ViewTable, st: dict[str, ParagraphStyle], widths: Sequence[float]) -> Table:
    numeric = set(table.numeric_columns)
    head: list[Flowable] = [_p(c.label, st["head"]) for c in table.columns]
    rows: list[list[Flowable]] = [head]
    rows += [[_p(cell, st["num"] if i in numeric else st["cell"]) for i, cell in enumerate(row)] for row in table.rows]
    return _table(rows, widths, header=True)


def _build(story: list[Flowable], title: str, *, pagesize: tuple[float, float] = A4) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="IKDZ einvoice",
        lang="de-DE",
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()


def render_invoice_pdf(view: InvoiceView) -> bytes:
    """The readable invoice (A4 landscape: the line table needs the width)."""
    st = _styles()
    width = landscape(A4)[0] - 30 * mm
    half = (width - 6 * mm) / 2
    story: list[Flowable] = [_p(view.title, st["title"]), _p(view.subtitle, st["subtitle"]), Spacer(1, 3 * mm)]
    if view.verdict:
        story.append(_p(f"Prüfergebnis: {view.verdict}", st["label"]))
    sections: list[list[Flowable]] = [[_p(s.title, st["heading"]), _facts(s.fields, st, half)] for s in view.sections]
    pairs = [sections[i : i + 2] for i in range(0, len(sections), 2)]
    for pair in pairs:
        cells: list[Any] = [pair[0], pair[1] if len(pair) > 1 else []]
        block = Table([cells], colWidths=[half + 3 * mm, half + 3 * mm])
        block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(block)
    if view.notes:
        story += [_p("Bemerkungen", st["heading"]), _facts(view.notes, st, width)]
    story += [
        _p(view.lines.caption, st["heading"]),
        _grid(view.lines, st, [w * width for w in (0.1, 0.36, 0.08, 0.08, 0.13, 0.1, 0.15)]),
    ]
    if view.line_details:
        story += [
            _p(view.line_details.caption, st["heading"]),
            _grid(view.line_details, st, [w * width for w in (0.1, 0.4, 0.5)]),
        ]
    if view.line_allowances_charges:
        story += [
            _p(view.line_allowances_charges.caption, st["heading"]),
            _grid(view.line_allowances_charges, st, [w * width for w in (0.1, 0.1, 0.35, 0.15, 0.1, 0.2)]),
        ]
    if view.allowances_charges:
        story += [
            _p(view.allowances_charges.caption, st["heading"]),
            _grid(view.allowances_charges, st, [w * width for w in (0.1, 0.35, 0.15, 0.1, 0.15, 0.15)]),
        ]
    story += [
        _p(view.vat_breakdown.caption, st["heading"]),
        _grid(view.vat_breakdown, st, [w * width for w in (0.25, 0.1, 0.18, 0.18, 0.29)]),
        KeepTogether([_p("Beträge", st["heading"]), _facts(view.totals, st, half)]),
    ]
    if view.supporting_documents:
        story += [
            _p(view.supporting_documents.caption, st["heading"]),
            _grid(view.supporting_documents, st, [w * width for w in (0.2, 0.4, 0.25, 0.15)]),
        ]
    if view.verdict:
        story.append(_p("Prüfergebnis", st["heading"]))
        if view.findings:
            head = ["Regel", "Schwere", "Bedeutung", "Meldung der Prüfregel", "Geschäftsbegriff", "Stelle"]
            rows: list[list[Flowable]] = [[_p(h, st["head"]) for h in head]]
            rows += [[_p(cell, st["small"]) for cell in row] for row in view.finding_rows]
            story.append(_table(rows, [w * width for w in (0.09, 0.07, 0.25, 0.3, 0.12, 0.17)], header=True))
        else:
            story.append(_p("Die Prüfung hat keine Meldungen ergeben.", st["body"]))
    return _build(story, view.title, pagesize=landscape(A4))


def render_rejection_pdf(notice: RejectionNotice) -> bytes:
    """The rejection notice as a letter (A4 portrait)."""
    st = _styles()
    width = A4[0] - 30 * mm
    story: list[Flowable] = [
        _p(f"{notice.town}, {format_date(notice.issued_on)}", st["body"]),
        Spacer(1, 8 * mm),
        _p(notice.subject, st["title"]),
        Spacer(1, 4 * mm),
        _table(
            [[_p(label, st["label"]), _p(value, st["cell"])] for label, value in notice.document],
            [width * 0.3, width * 0.7],
            header=False,
        ),
        Spacer(1, 4 * mm),
        _p(notice.intro, st["body"]),
        Spacer(1, 2 * mm),
    ]
    rows: list[list[Flowable]] = [
        [_p(h, st["head"]) for h in ("Nr.", "Regel", "Was nicht stimmt", "Betrifft / Stelle")]
    ]
    for number, reason in enumerate(notice.reasons, start=1):
        what = reason.explanation
        if reason.official_message:
            what += f"\nMeldung der Prüfregel: {reason.official_message}"
        where = "\n".join(p for p in (", ".join(reason.terms), reason.location or "") if p)
        rows.append(
            [_p(str(number), st["cell"]), _p(reason.rule_id, st["cell"]), _p(what, st["cell"]), _p(where, st["small"])]
        )
    story.append(_table(rows, [width * w for w in (0.06, 0.14, 0.52, 0.28)], header=True))
    story += [Spacer(1, 4 * mm), _p("Was Sie jetzt tun können", st["heading"])]
    story += [_p(f"• {step}", st["body"]) for step in notice.next_steps]
    story += [Spacer(1, 4 * mm), _p(notice.closing, st["small"])]
    return _build(story, notice.subject)
