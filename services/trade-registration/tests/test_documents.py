"""Receipt and fee notice as PDF: the text a reader sees, checked by extracting it; one page rendered."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige
from ikdz_trade_registration.adapters.documents import render_fee_notice, render_receipt
from ikdz_trade_registration.domain.decision import RULESET_VERSION, decide
from ikdz_trade_registration.domain.fees import Fee
from ikdz_trade_registration.domain.issuing import IssuingContext
from pypdf import PdfReader

from .builders import AUGUSTUSBURG, FEES, TODAY, WURZEN, activity, anmeldung, decision_context, gmbh, person

APP = gmbh(activities=(activity(), activity("Friseursalon", "96.02.1")))
AGREEMENT = "ZV-IKDZ-2026-01 Wurzen/Augustusburg"


def context(processing_town: str | None = "Stadt Augustusburg") -> IssuingContext:
    town = FEES.town(WURZEN)
    assert town is not None
    return IssuingContext(
        file_number="WUR-GEW-2026-000123",
        registration_id="0193a000-0000-7000-8000-000000000001",
        owner_town="Stadt Wurzen",
        authority=town.authority,
        issued_on=TODAY,
        ruleset_version=RULESET_VERSION,
        processing_town=processing_town,
        agreement_ref=AGREEMENT if processing_town else None,
    )


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def fee_of(app: Gewerbeanzeige) -> Fee:
    fee = decide(app, decision_context()).fee
    assert isinstance(fee, Fee)
    return fee


def test_receipt_names_the_notice_the_towns_and_the_automation() -> None:
    text = text_of(render_receipt(APP, context()))
    for expected in [
        "Stadt Wurzen – Gewerbeamt",
        "Gewerbeanzeige-Bestätigung",
        "Bestätigung über den Empfang einer Gewerbeanmeldung (§ 15 Abs. 1 GewO)",
        "Aktenzeichen WUR-GEW-2026-000123",
        "Beginn der Tätigkeit 01.12.2026",
        "Muster Software GmbH",
        "Markt 1, 04808 Wurzen",
        "Friseursalon (WZ 2008: 96.02.1)",
        "Diese Bestätigung ist keine Erlaubnis",
        f"Bearbeitet von der Stadt Augustusburg im Auftrag und im Namen der Stadt Wurzen auf Grundlage der Zweckvereinbarung {AGREEMENT} (§ 71 Abs. 2 SächsKomZG)",
        "Diese Bestätigung wurde automatisiert erstellt und ist ohne Unterschrift gültig.",
        f"Regelwerk: {RULESET_VERSION}",
    ]:
        assert expected in text, expected


def test_receipt_of_the_own_town_has_no_agreement_note() -> None:
    text = text_of(render_receipt(APP, context(processing_town=None)))
    assert "Zweckvereinbarung" not in text and "im Auftrag" not in text


def test_fee_notice_has_amount_legal_basis_automation_and_remedy() -> None:
    text = text_of(render_fee_notice(APP, context(), fee_of(APP)))
    for expected in [
        "Gebührenbescheid",
        "Aktenzeichen WUR-GEW-2026-000123",
        "Verwaltungsgebühr in Höhe von 40,00 EUR festgesetzt",
        "Sächsischen Verwaltungskostengesetzes (SächsVwKG)",
        "lfd. Nr. 46 Tarifstelle 2 des Zehnten Sächsischen Kostenverzeichnisses (10. SächsKVZ)",
        "Festsetzung der Stadt Wurzen für Standardfälle",
        "Rechtsbehelfsbelehrung",
        "innerhalb eines Monats nach seiner Bekanntgabe Widerspruch",
        "bei der Stadt Wurzen – Gewerbeamt, Friedrich-Ebert-Straße 2, 04808 Wurzen",
        "vollständig automatisiert erlassen (§ 35a VwVfG",
        "ohne Unterschrift und Namenswiedergabe gültig (§ 37 Abs. 5 VwVfG)",
        "im Auftrag und im Namen der Stadt Wurzen",
        f"Regelwerk: {RULESET_VERSION}",
        f"Gebührenkonfiguration: {FEES.version}",
    ]:
        assert expected in text, expected


def test_a_notice_too_long_for_one_page_goes_on_to_a_second_without_losing_text() -> None:
    long_line = "Handel mit Waren des täglichen Bedarfs in einem Ladengeschäft und auf Wochenmärkten der Region " * 2
    lines = tuple(activity(f"{n}. {long_line.strip()}", "47.11.0") for n in range(1, 21))
    pdf = render_receipt(gmbh(activities=lines), context())
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))
    assert len(pages) > 1
    for n in range(1, 21):
        assert f"Tätigkeit {n} {n}. Handel mit Waren" in text
    assert text.count("(WZ 2008: 47.11.0)") == 20
    assert "Diese Bestätigung wurde automatisiert erstellt" in text


def test_documents_are_reproducible() -> None:
    assert render_receipt(APP, context()) == render_receipt(APP, context())
    fee = fee_of(APP)
    assert render_fee_notice(APP, context(), fee) == render_fee_notice(APP, context(), fee)


def test_a_document_is_the_same_whatever_was_rendered_before() -> None:
    """Word widths and encoded lines are kept across documents: they must not leak into another."""
    first = render_receipt(APP, context())
    other = gmbh(activities=(activity("Friseursalon mit Verkauf von Pflegeprodukten", "96.02.1"),))
    render_receipt(other, context(processing_town=None))
    render_fee_notice(other, context(), fee_of(other))
    assert render_receipt(APP, context()) == first


def test_pdf_special_characters_in_the_citizens_text_are_shown_as_written() -> None:
    app = anmeldung(activities=(activity("Reparatur (Fahrräder) \\ Verleih ab 5 € – „Rad & Tat“", "95.29.0"),))
    text = text_of(render_receipt(app, context()))
    assert "Reparatur (Fahrräder) \\ Verleih ab 5 € – „Rad & Tat“ (WZ 2008: 95.29.0)" in text


def test_a_character_the_standard_fonts_lack_keeps_the_rest_of_the_document() -> None:
    """Helvetica has no "Ł": reportlab shows a placeholder for it; the line and the page go on."""
    app = anmeldung(persons=(person(family_name="Łukasiewicz", given_names="Zoë"),))
    text = text_of(render_receipt(app, context()))
    assert "Zoë" in text and "ukasiewicz" in text
    assert "Markt 1, 04808 Wurzen" in text and "Diese Bestätigung wurde automatisiert erstellt" in text


def test_owner_town_is_augustusburg_for_its_cases() -> None:
    town = FEES.town(AUGUSTUSBURG)
    assert town is not None
    ctx = IssuingContext(
        file_number="AUG-GEW-2026-000007",
        registration_id="x",
        owner_town="Stadt Augustusburg",
        authority=town.authority,
        issued_on=TODAY,
        ruleset_version=RULESET_VERSION,
    )
    text = text_of(render_receipt(APP, ctx))
    assert "Stadt Augustusburg – Gewerbeamt" in text and "Augustusburg, 25.11.2026" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_fee_notice_renders_to_a_png_page(tmp_path: Path) -> None:
    pdf = tmp_path / "bescheid.pdf"
    pdf.write_bytes(render_fee_notice(APP, context(), fee_of(APP)))
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)  # noqa: S603, S607
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 5_000
