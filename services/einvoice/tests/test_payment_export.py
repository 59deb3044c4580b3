"""Payment export: SEPA pain.001.001.09 valid against the ISO schema, sums and ids right, booking records."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from ikdz_einvoice.adapters.booking_export import render_booking_csv, render_booking_json
from ikdz_einvoice.adapters.pain001 import NAMESPACE, pain001_schema, render_pain001
from ikdz_einvoice.adapters.payment_config import PaymentConfigError, load_payment_config
from ikdz_einvoice.app.payment_export import export_payments
from ikdz_einvoice.domain.extraction import extract_invoice
from ikdz_einvoice.domain.invoice import Invoice, PaymentAccount
from ikdz_einvoice.domain.leitweg import LeitwegId
from ikdz_einvoice.domain.payments import (
    BOOKING_FIELDS,
    BookingAccount,
    DebtorAccount,
    PaymentExportError,
    ReleasedInvoice,
    TownPaymentConfig,
    build_payment_run,
    end_to_end_id,
)
from ikdz_einvoice.domain.sepa import SepaError, euro_amount, iban_problem, sepa_identifier, sepa_text, valid_bic
from lxml import etree
from pydantic import ValidationError

from .support import CII_STANDARD, TESTSUITE, UBL_STANDARD, instances, load

NS = {"p": NAMESPACE}
CREATED = datetime(2026, 11, 25, 14, 30, 5, 123456, tzinfo=UTC)
RUN_DATE = date(2026, 11, 26)
WURZEN = TownPaymentConfig(
    ags="14729410",
    name="Stadt Wurzen",
    debtor=DebtorAccount(name="Stadt Wurzen", iban="DE02 1203 0000 0000 2020 51", bic="BYLADEM1001"),
    default_booking=BookingAccount(haushaltsstelle="11.1.01", sachkonto="44310000"),
    bookings={"BAU": BookingAccount(haushaltsstelle="54.1.01", sachkonto="42110000")},
    creditors={"VAT:DE123456789": "70001"},
)
VALID_IBAN = "DE75512108001245126199"


def invoice(path: Path = UBL_STANDARD, **changes: object) -> Invoice:
    base = extract_invoice(load(path))
    return base.model_copy(update=changes)


def released(case_id: str, inv: Invoice | None = None) -> ReleasedInvoice:
    return ReleasedInvoice(
        case_id=case_id, invoice=inv or invoice(), released_on=date(2026, 11, 24), released_by=("a.meier", "b.schulz")
    )


def with_payable(inv: Invoice, amount: str) -> Invoice:
    return inv.model_copy(update={"totals": inv.totals.model_copy(update={"payable": Decimal(amount)})})


def with_account(inv: Invoice, account_id: str, *, bic: str | None = None, name: str | None = None) -> Invoice:
    payment = inv.payment.model_copy(update={"accounts": (PaymentAccount(account_id=account_id, bic=bic, name=name),)})
    return inv.model_copy(update={"payment": payment})


def run_of(*items: ReleasedInvoice) -> bytes:
    return render_pain001(
        build_payment_run(WURZEN, items, message_id="WUR-2026-11-25-1", created_at=CREATED, execution_date=RUN_DATE)
    )


# --- SEPA building blocks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("DE75512108001245126199", None),
        ("de75 5121 0800 1245 1261 99", None),
        ("DE75512108001245126198", "check digits are wrong"),
        ("DE7551210800124512619", "has 21 characters"),
        ("US64SVBKUS6S3300958879", "not in the SEPA scheme"),
        ("DE79000000001234567890", None),  # the test suite's IBAN: checksum right, bank code fictitious
        ("1234", "is not shaped like an IBAN"),
        ("AT611904300234573201", None),
        ("NL91ABNA0417164300", None),
    ],
)
def test_iban_checks(value: str, problem: str | None) -> None:
    found = iban_problem(value)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_bic_shapes() -> None:
    assert valid_bic("bylademm") == "BYLADEMM"
    assert valid_bic("BYLADEM1001") == "BYLADEM1001"
    for wrong in ("BYLADE", "BYLADEM10", "1YLADEMM"):
        with pytest.raises(SepaError):
            valid_bic(wrong)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Müller & Söhne GmbH", "Mueller + Soehne GmbH"),
        ("Straße 1; Büro <2>", "Strasse 1 Buero 2"),
        ("Crème brûlée – Café", "Creme brulee Cafe"),
        ("Łódź Sp. z o.o.", "odz Sp. z o.o."),  # Ł has no decomposition: dropped, never a wrong letter
        ('Quote "x" ok?', "Quote x ok?"),
    ],
)
def test_text_is_brought_into_the_sepa_character_set(raw: str, expected: str) -> None:
    assert sepa_text(raw, 70) == expected


def test_identifiers_keep_sepa_rules() -> None:
    assert sepa_identifier("/RE//2026/ 001/") == "RE/2026/001"
    assert len(sepa_identifier("X" * 50)) == 35
    with pytest.raises(SepaError):
        sepa_identifier("§§§")
    assert end_to_end_id("case-1", "123456XX") == end_to_end_id("case-1", "123456XX")
    assert end_to_end_id("case-1", "123456XX") != end_to_end_id("case-2", "123456XX")
    assert end_to_end_id("c", "R" * 60).startswith("R" * 28 + "-")
    assert len(end_to_end_id("c", "R" * 60)) == 35


@pytest.mark.parametrize(
    ("amount", "ok"),
    [
        ("0.01", True),
        ("12", True),
        ("12.345", False),
        ("12.340", True),
        ("0", False),
        ("-5", False),
        ("1000000000", False),
    ],
)
def test_amounts_are_whole_positive_cents(amount: str, ok: bool) -> None:
    if ok:
        assert euro_amount(Decimal(amount)) == Decimal(amount).quantize(Decimal("0.01"))
    else:
        with pytest.raises(SepaError):
            euro_amount(Decimal(amount))


# --- the payment run ------------------------------------------------------------------------------


def test_a_run_is_schema_valid_with_correct_sums_ids_and_remittance() -> None:
    first = released("case-1", with_account(invoice(), VALID_IBAN, bic="PBNKDEFF", name="Lieferant GmbH"))
    second = released("case-2", with_payable(invoice(CII_STANDARD, number="RE-2"), "0.10"))
    xml = run_of(first, second)
    document = etree.fromstring(xml)
    assert pain001_schema().validate(document)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    header = document.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == "WUR-2026-11-25-1"
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2026-11-25T14:30:05+00:00"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "337.00"  # 336.90 + 0.10
    info = document.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.findtext("p:ReqdExctnDt/p:Dt", namespaces=NS) == "2026-11-26"
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE02120300000000202051"
    assert info.findtext("p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "BYLADEM1001"
    txs = info.findall("p:CdtTrfTxInf", NS)
    amounts = [(tx.find("p:Amt/p:InstdAmt", NS).text, tx.find("p:Amt/p:InstdAmt", NS).get("Ccy")) for tx in txs]
    assert amounts == [("336.90", "EUR"), ("0.10", "EUR")]
    assert [tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for tx in txs] == [
        end_to_end_id("case-1", "123456XX"),
        end_to_end_id("case-2", "RE-2"),
    ]
    assert txs[0].findtext("p:Cdtr/p:Nm", namespaces=NS) == "Lieferant GmbH"
    assert txs[0].findtext("p:CdtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "PBNKDEFF"
    assert txs[1].find("p:CdtrAgt", NS) is None  # no BIC in the invoice: IBAN-only
    assert txs[1].findtext("p:Cdtr/p:Nm", namespaces=NS) == "Seller name"  # brackets are not in the SEPA set
    assert txs[0].findtext("p:RmtInf/p:Ustrd", namespaces=NS) == (
        "Rechnung 123456XX vom 04.04.2016 Leitweg-ID 04011000-12345-03"
    )


def test_transfers_wait_for_their_due_date_and_are_grouped_by_date() -> None:
    later = invoice(due_date=date(2026, 12, 15))
    run = build_payment_run(
        WURZEN,
        [released("a", later), released("b"), released("c", later.model_copy(update={"number": "X2"}))],
        message_id="RUN 1",
        created_at=CREATED,
        execution_date=RUN_DATE,
    )
    assert [(g.execution_date, len(g.transfers)) for g in run.groups] == [(RUN_DATE, 1), (date(2026, 12, 15), 2)]
    assert [g.control_sum for g in run.groups] == [Decimal("336.90"), Decimal("673.80")]
    assert run.control_sum == Decimal("1010.70")
    document = etree.fromstring(render_pain001(run))
    assert pain001_schema().validate(document)
    assert [p.findtext("p:CtrlSum", namespaces=NS) for p in document.iterfind(".//p:PmtInf", NS)] == [
        "336.90",
        "673.80",
    ]
    assert len({p.findtext("p:PmtInfId", namespaces=NS) for p in document.iterfind(".//p:PmtInf", NS)}) == 2


def test_remittance_puts_the_suppliers_reference_first_and_stays_within_140() -> None:
    inv = invoice()
    payment = inv.payment.model_copy(update={"remittance_information": "Kd-Nr. 4711 / Ref ÄÖÜ"})
    run = build_payment_run(
        WURZEN, [released("a", inv.model_copy(update={"payment": payment, "number": "N" * 150}))],
        message_id="m", created_at=CREATED, execution_date=RUN_DATE,
    )  # fmt: skip
    remittance = run.transfers[0].remittance
    assert remittance.startswith("Kd-Nr. 4711 / Ref AeOeUe Rechnung NNN")
    assert len(remittance) == 140
    assert pain001_schema().validate(etree.fromstring(render_pain001(run)))


def test_special_characters_are_escaped_or_replaced_and_the_file_stays_valid() -> None:
    inv = with_account(invoice(), VALID_IBAN, name='<Müller> & "Co" \']]>', bic="[BIC]")
    xml = run_of(released("a", inv.model_copy(update={"number": "R&D<1>"})))
    document = etree.fromstring(xml)
    assert pain001_schema().validate(document)
    tx = document.find(".//p:CdtTrfTxInf", NS)
    assert tx.findtext("p:Cdtr/p:Nm", namespaces=NS) == "Mueller + Co '"
    assert tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS).startswith("R+D1-")
    assert tx.find("p:CdtrAgt", NS) is None  # a malformed BIC is left out: the IBAN suffices


def _payable_by_transfer(inv: Invoice) -> bool:
    """Euro, a credit transfer to a valid IBAN, an amount due: what the export takes."""
    return (
        inv.currency == "EUR"
        and inv.payment.means_code in ("30", "58")
        and not inv.is_credit_note
        and inv.totals.payable > 0
        and bool(inv.payment.ibans)
        and iban_problem(inv.payment.ibans[0]) is None
    )


def test_every_released_test_suite_invoice_in_euro_with_an_iban_exports_validly() -> None:
    items = []
    for number, path in enumerate(instances(TESTSUITE)):
        inv = extract_invoice(load(path))
        if _payable_by_transfer(inv):
            items.append(released(f"case-{number}", inv))
    assert len(items) >= 20
    run = build_payment_run(WURZEN, items, message_id="suite", created_at=CREATED, execution_date=RUN_DATE)
    document = etree.fromstring(render_pain001(run))
    assert pain001_schema().validate(document)
    amounts = [Decimal(a.text) for a in document.iterfind(".//p:InstdAmt", NS)]
    assert sum(amounts) == Decimal(document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS))
    assert amounts == [
        item.invoice.totals.payable
        for item in sorted(items, key=lambda i: max(RUN_DATE, i.invoice.due_date or RUN_DATE))
    ]


def test_invoices_that_cannot_be_paid_are_all_named_with_their_reason() -> None:
    inv = invoice()
    items = [
        released("usd", inv.model_copy(update={"currency": "USD"})),
        released("cents", with_payable(inv, "10.005")),
        released("zero", with_payable(inv, "0")),
        released("debit", inv.model_copy(update={"payment": inv.payment.model_copy(update={"means_code": "59"})})),
        released("bad-iban", with_account(inv, "DE75512108001245126198")),
        released("no-iban", inv.model_copy(update={"payment": inv.payment.model_copy(update={"accounts": ()})})),
        released("credit", inv.model_copy(update={"type_code": "381"})),
        released("ok"),
        released("ok"),
    ]
    with pytest.raises(PaymentExportError) as caught:
        build_payment_run(WURZEN, items, message_id="m", created_at=CREATED, execution_date=RUN_DATE)
    problems = caught.value.problems
    assert set(problems) == {"usd", "cents", "zero", "debit", "bad-iban", "no-iban", "credit", "ok"}
    assert "EUR" in problems["usd"]
    assert "two decimals" in problems["cents"]
    assert "not positive" in problems["zero"]
    assert "59" in problems["debit"]
    assert "check digits" in problems["bad-iban"]
    assert "BT-84" in problems["no-iban"]
    assert "credit note" in problems["credit"]
    assert "twice" in problems["ok"]
    with pytest.raises(PaymentExportError, match="no released invoice"):
        build_payment_run(WURZEN, [], message_id="m", created_at=CREATED, execution_date=RUN_DATE)


def test_the_debtor_account_is_checked_when_configured() -> None:
    with pytest.raises(ValidationError, match="check digits"):
        DebtorAccount(name="Stadt", iban="DE02120300000000202052")
    without_bic = WURZEN.model_copy(
        update={"debtor": DebtorAccount(name="Stadt Großenhain", iban="DE02120300000000202051")}
    )
    run = build_payment_run(without_bic, [released("a")], message_id="m", created_at=CREATED, execution_date=RUN_DATE)
    document = etree.fromstring(render_pain001(run))
    assert document.findtext(".//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=NS) == "NOTPROVIDED"
    assert document.findtext(".//p:Dbtr/p:Nm", namespaces=NS) == "Stadt Grossenhain"  # ß is not in the SEPA set
    assert pain001_schema().validate(document)


# --- booking records ------------------------------------------------------------------------------


def test_booking_json_and_csv_carry_the_documented_fields() -> None:
    bau = invoice(buyer_reference="14729410-BAU-48")
    run = build_payment_run(
        WURZEN, [released("case-1"), released("case-2", bau.model_copy(update={"number": "B-7"}))],
        message_id="RUN-9", created_at=CREATED, execution_date=RUN_DATE,
    )  # fmt: skip
    data = json.loads(render_booking_json(run))
    assert data["format"] == "ikdz-einvoice-booking/1"
    assert (data["number_of_transfers"], data["control_sum"]) == (2, "673.80")
    first, second = data["records"]
    assert list(first) == list(BOOKING_FIELDS)
    assert first["kreditor"] == "70001"  # VAT:DE123456789 is configured
    assert first["creditor_key"] == "VAT:DE123456789"
    assert (first["haushaltsstelle"], first["sachkonto"]) == ("11.1.01", "44310000")
    assert (second["haushaltsstelle"], second["sachkonto"]) == ("54.1.01", "42110000")  # the Bauamt's fine part
    assert second["leitweg_id"] == "14729410-BAU-48"
    assert first["payable_amount"] == "336.90"
    assert (first["net_amount"], first["vat_amount"], first["gross_amount"]) == ("314.86", "22.04", "336.90")
    assert first["vat_breakdown"] == "S:7:314.86:22.04"
    assert first["released_by"] == "a.meier,b.schulz"
    assert first["end_to_end_id"] == run.transfers[0].end_to_end_id
    assert first["debtor_iban"] == "DE02120300000000202051"

    rows = list(csv.reader(io.StringIO(render_booking_csv(run).decode()), delimiter=";"))
    assert rows[0] == list(BOOKING_FIELDS)
    assert len(rows) == 3
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["payable_amount"] == "336,90"
    assert record["issue_date"] == "2016-04-04"
    assert record["invoice_number"] == "123456XX"


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    inv = invoice(order_reference='=HYPERLINK("http://x")', number="@SUM(A1)")
    run = build_payment_run(WURZEN, [released("a", inv)], message_id="m", created_at=CREATED, execution_date=RUN_DATE)
    record = dict(zip(*list(csv.reader(io.StringIO(render_booking_csv(run).decode()), delimiter=";")), strict=True))
    assert record["order_reference"].startswith("'=")
    assert record["invoice_number"] == "'@SUM(A1)"


def test_the_pilot_payment_configuration_loads_and_is_checked(tmp_path: Path) -> None:
    config = load_payment_config()
    assert [t.ags for t in config.towns] == ["14729410", "14522020"]
    assert config.for_town("14729410").booking_for(str(LeitwegId.build("14729410", "BAU1"))).sachkonto == "42110000"
    assert config.for_town("14729410").booking_for("14729410-24").sachkonto == "44310000"
    with pytest.raises(PaymentConfigError, match="99999999"):
        config.for_town("99999999")
    broken = tmp_path / "payments.yaml"
    broken.write_text('towns: [{ags: "14729410", name: W, debtor: {name: W, iban: "DE00"}}]', encoding="utf-8")
    with pytest.raises(PaymentConfigError, match=r"payments.yaml: towns.0.debtor.iban"):
        load_payment_config(broken)


def test_the_use_case_returns_the_three_files_of_one_run() -> None:
    export = export_payments(
        load_payment_config().for_town("14729410"),
        [released("case-1")],
        message_id="WUR-1",
        created_at=CREATED,
        execution_date=RUN_DATE,
    )
    assert etree.fromstring(export.pain001).findtext(".//p:MsgId", namespaces=NS) == "WUR-1"
    assert json.loads(export.booking_json)["payment_run"] == "WUR-1"
    assert export.booking_csv.decode().splitlines()[1].startswith("WUR-1;")
