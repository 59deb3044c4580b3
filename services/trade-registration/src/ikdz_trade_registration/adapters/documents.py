"""The receipt (Gewerbeanzeige-Bestätigung, § 15 Abs. 1 GewO) and the fee notice as PDF (reportlab).

Both documents name the owner town as the issuing authority; where another town processed the
case under a Zweckvereinbarung they say so ("im Auftrag und im Namen …", § 71 Abs. 2 SächsKomZG).
Both carry the file number, the note that they were produced automatically and the rule-set
version that produced them. The fee notice is an administrative act issued fully automatically
(§ 35a VwVfG), valid without signature (§ 37 Abs. 5 VwVfG), with the legal basis of the fee and a
Rechtsbehelfsbelehrung naming the owner town's office.

Rendering is deterministic for the same input (fixed creation date and document id), so a stored
document can be re-created byte for byte.

The pages are laid out here, line by line on a reportlab canvas, instead of with platypus: two
documents per notice are on the automated path's critical path, and platypus' paragraph parsing,
table geometry and frame logic cost about three times the CPU of the drawing itself (~6 ms against
~2 ms per document). For the same reason a block of lines is written as its PDF text operators
directly, with the word widths and the encoded lines of earlier documents kept (most words and
whole paragraphs repeat from document to document): the same operators reportlab's text object
writes, and a document costs about half the CPU it did with the text object and ``simpleSplit``;
only a line with a character the standard fonts lack goes through the text object, which switches
fonts for it.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass

from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, NoticeKind
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth, unicode2T1
from reportlab.pdfgen.canvas import Canvas

from ikdz_trade_registration.domain.fees import COST_LAW, Fee
from ikdz_trade_registration.domain.issuing import IssuingContext

_DATE_LABEL = {
    NoticeKind.ANMELDUNG: "Beginn der Tätigkeit",
    NoticeKind.UMMELDUNG: "Datum der Änderung",
    NoticeKind.ABMELDUNG: "Datum der Betriebsaufgabe",
}

PDF_VERSION = (1, 4)
"""The version reportlab's text object asks for when it sets a fill colour (it allows transparency)."""
PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 20 * mm
WIDTH = PAGE_WIDTH - 40 * mm
TOP = PAGE_HEIGHT - 18 * mm
BOTTOM = 18 * mm
LABEL_WIDTH = 52 * mm
CELL_PADDING = 3.0
RULE = colors.HexColor("#BBBBBB")
_RULE_LINE = (
    f"{fp_str(RULE.red, RULE.green, RULE.blue)} RG\n.25 w\nn {fp_str(LEFT)} {{y}} m {fp_str(LEFT + WIDTH)} {{y}} l S"
)
"""A thin grey rule across the text width, as the canvas writes stroke colour, width and line."""


@dataclass(frozen=True)
class _Style:
    font: str
    size: float
    leading: float
    color: colors.Color = colors.black
    space_before: float = 0.0
    space_after: float = 0.0

    @functools.cached_property
    def text_state(self) -> str:
        """Size, leading and colour as reportlab's text object writes them before its first line."""
        color = fp_str(self.color.red, self.color.green, self.color.blue)
        return f"{fp_str(self.size)} Tf {fp_str(self.leading)} TL {color} rg"


BODY = _Style("Helvetica", 10, 13.5, space_after=3)
SMALL = _Style("Helvetica", 8.5, 11, colors.HexColor("#333333"))
SENDER = _Style("Helvetica", 9, 12)
TITLE = _Style("Helvetica-Bold", 15, 19, space_after=2)
SUBTITLE = _Style("Helvetica", 10, 13.5, colors.HexColor("#444444"))
HEADING = _Style("Helvetica-Bold", 10.5, 13.5, space_before=5)
CELL = _Style("Helvetica", 9.5, 12)
LABEL = _Style("Helvetica-Bold", 9.5, 12)


@functools.lru_cache(maxsize=8192)
def _width(word: str, font: str, size: float) -> float:
    return stringWidth(word, font, size)


@functools.lru_cache(maxsize=512)
def _wrap(text: str, font: str, size: float, max_width: float) -> tuple[str, ...]:
    """The lines of ``text`` at most ``max_width`` wide: the breaks of reportlab's ``simpleSplit``."""
    space = _width(" ", font, size)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words: list[str] = []
        width = -space
        for word in paragraph.split():
            word_width = _width(word, font, size)
            if width + space + word_width <= max_width or not words:
                words.append(word)
                width = width + space + word_width  # summed in simpleSplit's order: the same breaks to the last bit
            else:
                lines.append(" ".join(words))
                words, width = [word], word_width
        if words:
            lines.append(" ".join(words))
    return tuple(lines)


@functools.lru_cache(maxsize=4096)
def _shown(line: str, font: str) -> str | None:
    """The operators that show ``line`` and move to the next, in the font's encoding; None if the
    font lacks one of its characters (then reportlab's text object switches fonts for them)."""
    face = getFont(font)
    runs = unicode2T1(line, [face, *face.substitutionFonts])
    if len(runs) != 1 or runs[0][0] is not face:
        return None
    return f"({escapePDF(runs[0][1])}) Tj T*"


def _shown_all(lines: Sequence[str], font: str) -> list[str] | None:
    shown = []
    for line in lines:
        operators = _shown(line, font)
        if operators is None:
            return None
        shown.append(operators)
    return shown


class _Page:
    """Top-down layout of one document: wrapped paragraphs, a two-column table, spacing.

    A4 with the margins of an office letter; text that does not fit goes on to a new page.
    """

    def __init__(self, title: str) -> None:
        self._buffer = io.BytesIO()
        self._canvas = Canvas(self._buffer, pagesize=A4, invariant=1, pageCompression=1, pdfVersion=PDF_VERSION)
        self._canvas.setTitle(title)
        self._canvas.setAuthor("IKDZ trade-registration")
        self._y = TOP
        self._fonts: dict[str, str] = {}

    def space(self, height: float) -> None:
        self._y -= height

    def paragraph(self, text: str, style: _Style) -> None:
        self._y -= style.space_before
        lines = _wrap(text, style.font, style.size, WIDTH)
        self._room(len(lines) * style.leading)
        self._lines(lines, style, LEFT)
        self._y -= style.space_after

    def letterhead(self, sender: Sequence[str], place_and_date: str) -> None:
        """The authority's address on the left, place and date on the right of its first line."""
        c = self._canvas
        c.setFont(SENDER.font, SENDER.size)
        c.drawRightString(LEFT + WIDTH, self._y - SENDER.size, place_and_date)
        self._lines(sender, SENDER, LEFT)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value per row, a thin rule under each row."""
        value_x = LEFT + LABEL_WIDTH
        for label, value in rows:
            labels = _wrap(label, LABEL.font, LABEL.size, LABEL_WIDTH - 2 * CELL_PADDING)
            values = _wrap(value, CELL.font, CELL.size, WIDTH - LABEL_WIDTH - 2 * CELL_PADDING)
            height = max(len(labels), len(values)) * CELL.leading + 2 * CELL_PADDING
            self._room(height)
            top = self._y
            self._y = top - CELL_PADDING
            self._lines(labels, LABEL, LEFT + CELL_PADDING)
            self._y = top - CELL_PADDING
            self._lines(values, CELL, value_x + CELL_PADDING)
            self._y = top - height
            self._canvas.addLiteral(_RULE_LINE.format(y=fp_str(self._y)))

    def pdf(self) -> bytes:
        self._canvas.showPage()
        self._canvas.save()
        return self._buffer.getvalue()

    def _lines(self, lines: Sequence[str], style: _Style, x: float) -> None:
        shown = _shown_all(lines, style.font)
        if shown is None:
            self._text_object(lines, style, x)
        else:
            self._canvas.addLiteral(
                f"BT 1 0 0 1 0 0 Tm {self._font(style.font)} {style.text_state} "
                f"1 0 0 1 {fp_str(x, self._y - style.size)} Tm {' '.join(shown)} ET"
            )
        self._y -= len(lines) * style.leading

    def _font(self, name: str) -> str:
        """The font's resource name in this document (/F1 …), as reportlab's text object gets it."""
        ref = self._fonts.get(name)
        if ref is None:
            ref = self._fonts[name] = self._canvas._doc.getInternalFontName(name)  # type: ignore[attr-defined]
        return ref

    def _text_object(self, lines: Sequence[str], style: _Style, x: float) -> None:
        text = self._canvas.beginText()
        text.setFont(style.font, style.size, style.leading)
        text.setFillColor(style.color)
        text.setTextOrigin(x, self._y - style.size)
        for line in lines:
            text.textLine(line)
        self._canvas.drawText(text)

    def _room(self, height: float) -> None:
        if self._y - height < BOTTOM and self._y < TOP:
            self._canvas.showPage()
            self._y = TOP


def _letterhead(page: _Page, ctx: IssuingContext) -> None:
    authority = ctx.authority
    page.letterhead(
        [authority.name, authority.street, f"{authority.postal_code} {authority.city}"],
        f"{authority.city}, {ctx.issued_on:%d.%m.%Y}",
    )
    page.space(10 * mm)


def _heading(page: _Page, title: str, subtitle: str) -> None:
    page.paragraph(title, TITLE)
    page.paragraph(subtitle, SUBTITLE)
    page.space(6 * mm)


def _footer_notes(page: _Page, ctx: IssuingContext, automated: str) -> None:
    page.space(6 * mm)
    if ctx.processing_town is not None and ctx.processing_town != ctx.owner_town:
        agreement = ctx.agreement_ref or "(ohne Angabe)"
        page.paragraph(
            f"Bearbeitet von der {ctx.processing_town} im Auftrag und im Namen der {ctx.owner_town} auf Grundlage "
            f"der Zweckvereinbarung {agreement} (§ 71 Abs. 2 SächsKomZG). Zuständige Behörde bleibt die "
            f"{ctx.owner_town}.",
            SMALL,
        )
    page.paragraph(automated, SMALL)
    page.paragraph(f"Regelwerk: {ctx.ruleset_version} · Gewerbebetrieb-ID: {ctx.registration_id}", SMALL)


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


def render_receipt(app: Gewerbeanzeige, ctx: IssuingContext) -> bytes:
    """The Empfangsbestätigung (Gewerbeanzeige-Bestätigung) as PDF."""
    page = _Page(f"Gewerbeanzeige-Bestätigung {ctx.file_number}")
    _letterhead(page, ctx)
    _heading(
        page,
        "Gewerbeanzeige-Bestätigung",
        f"Bestätigung über den Empfang einer {app.kind.label_de} (§ 15 Abs. 1 GewO)",
    )
    page.facts(_notice_rows(app, ctx))
    page.space(5 * mm)
    page.paragraph(
        f"Die {ctx.owner_town} bestätigt den Empfang der oben bezeichneten {app.kind.label_de} vom "
        f"{app.filed_on:%d.%m.%Y}. Diese Bestätigung ist keine Erlaubnis: Erfordert die Tätigkeit eine "
        "Erlaubnis, eine Eintragung in die Handwerksrolle oder eine andere Zulassung, darf sie erst mit "
        "dieser ausgeübt werden. Die Angaben werden nach § 14 GewO an die gesetzlich bestimmten Stellen "
        "übermittelt.",
        BODY,
    )
    _footer_notes(page, ctx, "Diese Bestätigung wurde automatisiert erstellt und ist ohne Unterschrift gültig.")
    return page.pdf()


def render_fee_notice(app: Gewerbeanzeige, ctx: IssuingContext, fee: Fee) -> bytes:
    """The Gebührenbescheid (fully automated administrative act, § 35a VwVfG) as PDF."""
    authority = ctx.authority
    page = _Page(f"Gebührenbescheid {ctx.file_number}")
    _letterhead(page, ctx)
    _heading(page, "Gebührenbescheid", f"Verwaltungsgebühr für die Entgegennahme einer {app.kind.label_de}")
    page.facts(
        [
            ("Aktenzeichen", ctx.file_number),
            ("Betrieb / Inhaber", app.holder_name),
            ("Anzeige", f"{app.kind.label_de} vom {app.filed_on:%d.%m.%Y}"),
            ("Festgesetzte Gebühr", fee.amount_de),
        ]
    )
    page.space(5 * mm)
    page.paragraph(
        f"Für die Entgegennahme Ihrer {app.kind.label_de} vom {app.filed_on:%d.%m.%Y} wird eine "
        f"Verwaltungsgebühr in Höhe von {fee.amount_de} festgesetzt.",
        BODY,
    )
    page.paragraph("Rechtsgrundlage", HEADING)
    page.paragraph(
        f"{COST_LAW} in Verbindung mit {fee.tariff} (Rahmen 22 bis 112 Euro); Gebührenhöhe nach der "
        f"Festsetzung für Standardfälle: {fee.legal_source} (gültig ab {fee.schedule_valid_from:%d.%m.%Y}).",
        BODY,
    )
    page.paragraph("Zahlungshinweis", HEADING)
    page.paragraph(
        "Bitte zahlen Sie den Betrag innerhalb eines Monats nach Bekanntgabe dieses Bescheids unter Angabe "
        f"des Aktenzeichens {ctx.file_number}. Die Zahlungsaufforderung mit der Bankverbindung erhalten Sie "
        "von der Stadtkasse.",
        BODY,
    )
    page.paragraph("Rechtsbehelfsbelehrung", HEADING)
    page.paragraph(
        "Gegen diesen Bescheid kann innerhalb eines Monats nach seiner Bekanntgabe Widerspruch erhoben werden. "
        f"Der Widerspruch ist bei der {authority.name}, {authority.street}, {authority.postal_code} "
        f"{authority.city}, schriftlich, in elektronischer Form nach § 3a Abs. 2 VwVfG oder zur Niederschrift "
        "einzulegen.",
        BODY,
    )
    _footer_notes(
        page,
        ctx,
        "Dieser Bescheid wurde vollständig automatisiert erlassen (§ 35a VwVfG in Verbindung mit § 1 SächsVwVfZG) "
        "und ist ohne Unterschrift und Namenswiedergabe gültig (§ 37 Abs. 5 VwVfG). "
        f"Gebührenkonfiguration: {fee.config_version}.",
    )
    return page.pdf()


class PdfRenderer:
    """The ``Renderer`` port over the two render functions."""

    def receipt(self, app: Gewerbeanzeige, ctx: IssuingContext) -> bytes:
        return render_receipt(app, ctx)

    def fee_notice(self, app: Gewerbeanzeige, ctx: IssuingContext, fee: Fee) -> bytes:
        return render_fee_notice(app, ctx, fee)
