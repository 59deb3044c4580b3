"""Recipients per notice, one message each, and the XML export parsed back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from ikdz_contracts.payloads.gewerbe import (
    BusinessType,
    Establishment,
    Gewerbeanzeige,
    NoticeKind,
    PersonRole,
    RegistrationReason,
)
from ikdz_contracts.reference.wz import wz_catalogue
from ikdz_trade_registration.adapters.xgewerbe_export import NAMESPACE, export_message, export_messages
from ikdz_trade_registration.domain.decision import RULESET_VERSION
from ikdz_trade_registration.domain.recipients import (
    DataProfile,
    RecipientKind,
    RecipientMessage,
    build_messages,
    determine_recipients,
    ex_officio_messages,
)
from lxml import etree

from .builders import AUGUSTUSBURG, WURZEN, activity, anmeldung, gbr, gmbh, person, registered, site

R = RecipientKind
NS = {"g": NAMESPACE}
ALWAYS = {R.STATISTIK, R.FINANZAMT, R.DGUV, R.IHK}


def kinds(app: Gewerbeanzeige) -> set[RecipientKind]:
    return {r.kind for r in determine_recipients(app, wz_catalogue())}


@pytest.mark.parametrize(
    ("case", "app", "expected"),
    [
        ("web designer without staff", anmeldung(), ALWAYS),
        ("GmbH with staff", gmbh(), ALWAYS | {R.REGISTERGERICHT, R.GEWERBEAUFSICHT, R.AGENTUR_FUER_ARBEIT}),
        ("pure Handwerk: hairdresser", anmeldung(activities=(activity("Friseursalon", "96.02.1"),), business_types=frozenset({BusinessType.HANDWERK})),
         {R.STATISTIK, R.FINANZAMT, R.DGUV, R.HWK}),
        ("bakery with shop", anmeldung(activities=(activity("Bäckerei mit Verkauf", "10.71.0"),), business_types=frozenset({BusinessType.HANDWERK, BusinessType.HANDEL})),
         ALWAYS | {R.HWK, R.EICHAMT, R.LEBENSMITTELUEBERWACHUNG, R.GEWERBEAUFSICHT}),
        ("restaurant with staff", anmeldung(activities=(activity("Restaurant", "56.10.1"),), employees_part_time=4),
         ALWAYS | {R.EICHAMT, R.LEBENSMITTELUEBERWACHUNG, R.ZOLL, R.GEWERBEAUFSICHT, R.AGENTUR_FUER_ARBEIT}),
        ("temporary agency work", anmeldung(activities=(activity("Zeitarbeit", "78.20.0"),)), ALWAYS | {R.AGENTUR_FUER_ARBEIT}),
        ("non-EU trader", anmeldung(persons=(person(nationalities=("VN",)),)), ALWAYS | {R.AUSLAENDERBEHOERDE}),
        ("GbR without register", gbr(), ALWAYS),
    ],
)  # fmt: skip
def test_recipients_by_notice(case: str, app: Gewerbeanzeige, expected: set[RecipientKind]) -> None:
    assert kinds(app) == expected, case


def test_every_recipient_kind_is_reachable() -> None:
    cases = [
        gmbh(activities=(activity("Restaurant mit Weinausschank", "56.10.1"),), persons=(person(PersonRole.GESETZLICHER_VERTRETER, nationalities=("US",)),)),
        anmeldung(activities=(activity("Friseursalon", "96.02.1"),)),
    ]  # fmt: skip
    assert set().union(*(kinds(app) for app in cases)) == set(RecipientKind)


CASE_ID = "0193a000-0000-7000-8000-000000000001"
CREATED_AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def messages(app: Gewerbeanzeige, processing_ags: str | None = None) -> dict[RecipientKind, RecipientMessage]:
    built = build_messages(
        app,
        determine_recipients(app, wz_catalogue()),
        case_id=CASE_ID,
        file_number="WUR-GEW-2026-000123",
        registration_id="b-1",
        created_at=CREATED_AT,
        ruleset_version=RULESET_VERSION,
        processing_ags=processing_ags,
    )
    return {m.recipient.kind: m for m in built}


def parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def test_one_message_per_recipient_with_stable_ids() -> None:
    app = gmbh(persons=(person(PersonRole.GESETZLICHER_VERTRETER, nationalities=("US",)),))
    first, again = messages(app), messages(app)
    assert len({m.message_id for m in first.values()}) == len(first)
    assert {k: m.message_id for k, m in first.items()} == {k: m.message_id for k, m in again.items()}
    assert first[R.STATISTIK].message_type == "sta.gewerbemeldung.0100"
    assert first[R.AUSLAENDERBEHOERDE].message_type == "abh.gewerbemeldung.0100"


def test_full_export_carries_the_notice() -> None:
    app = gmbh(activities=(activity(), activity("Friseursalon", "96.02.1")))
    root = parse(export_message(messages(app, processing_ags=AUGUSTUSBURG)[R.FINANZAMT]))
    assert root.tag == f"{{{NAMESPACE}}}gewerbemeldung" and root.get("version") == "1.0"
    assert root.findtext("g:nachrichtenkopf/g:nachrichtentyp", namespaces=NS) == "fa.gewerbemeldung.0100"
    assert root.findtext("g:nachrichtenkopf/g:autor/g:behoerdenkennung", namespaces=NS) == "MELDID:14729410"
    assert root.findtext("g:nachrichtenkopf/g:autor/g:bearbeitendeGemeinde", namespaces=NS) == AUGUSTUSBURG
    assert root.findtext("g:nachrichtenkopf/g:regelwerk", namespaces=NS) == RULESET_VERSION
    record = root.find("g:satz/g:anmeldung", NS)
    assert record is not None
    assert record.findtext("g:aktenzeichen", namespaces=NS) == "WUR-GEW-2026-000123"
    assert record.findtext("g:gueltigAb", namespaces=NS) == "2026-12-01"
    assert record.findtext("g:grundAnmeldungSchluessel", namespaces=NS) == "neugruendung"
    assert record.findtext("g:betrieb/g:name", namespaces=NS) == "Muster Software GmbH"
    assert record.findtext("g:betrieb/g:registereintrag/g:nummer", namespaces=NS) == "12345"
    assert record.findtext("g:betrieb/g:beschaeftigte/g:vollzeit", namespaces=NS) == "3"
    assert record.findtext("g:betrieb/g:betriebsstaette/g:gemeindeSchluessel", namespaces=NS) == "14729410"
    assert record.findtext("g:beteiligtePerson/g:familienname", namespaces=NS) == "Mustermann"
    assert record.findtext("g:beteiligtePerson/g:geburtsdatum", namespaces=NS) == "1985-04-12"
    codes = [
        (a.findtext("g:taetigkeitSchluessel", namespaces=NS), a.findtext("g:schwerpunkt", namespaces=NS))
        for a in record.findall("g:taetigkeit", NS)
    ]
    assert codes == [("62019", "true"), ("96021", "false")]


def test_statistics_export_has_no_names_or_birth_data() -> None:
    data = export_message(messages(anmeldung())[R.STATISTIK])
    root = parse(data)
    person_element = root.find("g:satz/g:anmeldung/g:beteiligtePerson", NS)
    assert person_element is not None
    assert [etree.QName(c).localname for c in person_element] == ["funktion", "geschlecht", "staatsangehoerigkeit"]
    assert b"Erika" not in data and b"1985" not in data and b"Domplatz" not in data


def test_foreign_nationals_export_lists_only_those_persons() -> None:
    app = gbr(
        persons=(
            person(PersonRole.GESELLSCHAFTER),
            person(PersonRole.GESELLSCHAFTER, family_name="Nguyen", nationalities=("VN",)),
        )
    )
    root = parse(export_message(messages(app)[R.AUSLAENDERBEHOERDE]))
    names = [
        p.findtext("g:familienname", namespaces=NS) for p in root.iterfind("g:satz/g:anmeldung/g:beteiligtePerson", NS)
    ]
    assert names == ["Nguyen"]
    assert messages(app)[R.AUSLAENDERBEHOERDE].recipient.profile is DataProfile.FOREIGN_NATIONALS


def test_export_is_deterministic_and_utf8() -> None:
    message = messages(
        anmeldung(establishment=anmeldung().establishment.model_copy(update={"trade_name": "Ärger & Söhne"}))
    )[R.IHK]
    data = export_message(message)
    assert data == export_message(message)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert (
        parse(data).findtext("g:satz/g:anmeldung/g:betrieb/g:geschaeftsbezeichnung", namespaces=NS) == "Ärger & Söhne"
    )


SPECIAL = "Müller & Söhne <GmbH> ]]> \"Ä\" 'ß' a\r\nb\tc € 😀"


def special_notice() -> Gewerbeanzeige:
    return gmbh(
        persons=(person(PersonRole.GESETZLICHER_VERTRETER, family_name=SPECIAL, given_names="<Zoë> & Ŀukas"),),
        activities=(activity(f"Handel {SPECIAL}", "47.91.1"),),
    )


def test_special_characters_come_back_as_written() -> None:
    data = export_message(messages(special_notice())[R.FINANZAMT])
    record = parse(data).find("g:satz/g:anmeldung", NS)
    assert record is not None
    assert record.findtext("g:beteiligtePerson/g:familienname", namespaces=NS) == SPECIAL
    assert record.findtext("g:beteiligtePerson/g:vornamen", namespaces=NS) == "<Zoë> & Ŀukas"
    assert record.findtext("g:taetigkeit/g:beschreibung", namespaces=NS) == f"Handel {SPECIAL}"
    assert b"&amp; S\xc3\xb6hne &lt;GmbH&gt; ]]&gt;" in data and b"a&#13;\nb\tc" in data


@pytest.mark.parametrize("message", [R.FINANZAMT, R.STATISTIK])
def test_export_is_laid_out_as_lxml_writes_the_tree(message: RecipientKind) -> None:
    """Two spaces per level, the declaration lxml writes: the text parsed without its layout and
    written again by lxml gives the same bytes."""
    data = export_message(messages(special_notice(), processing_ags=AUGUSTUSBURG)[message])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)
    again = etree.tostring(etree.fromstring(data, parser), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    assert data == again


@pytest.mark.parametrize("text", ["Null\x00Byte", "Steuer\x01zeichen", "Form\x0cfeed", "x\ufffe"])
def test_text_xml_cannot_carry_is_refused(text: str) -> None:
    message = messages(anmeldung(activities=(activity(text, "47.91.1"),)))[R.FINANZAMT]
    with pytest.raises(ValueError, match="XML compatible"):
        export_message(message)


MOVED = anmeldung(
    owner_ags=AUGUSTUSBURG,
    establishment=Establishment(address=site(AUGUSTUSBURG)),
    registration_reason=RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK,
    previous_address=site(WURZEN),
)
CLOSED_IN_WURZEN = registered(anmeldung(), rid="b-old", deregistered_on=date(2026, 11, 30))


def ex_officio() -> dict[RecipientKind, RecipientMessage]:
    built = ex_officio_messages(
        MOVED,
        CLOSED_IN_WURZEN,
        wz_catalogue(),
        case_id=CASE_ID,
        file_number="AUG-GEW-2026-000007",
        registration_id="b-new",
        created_at=CREATED_AT,
        ruleset_version=RULESET_VERSION,
    )
    return {m.recipient.kind: m for m in built}


def test_the_old_towns_abmeldung_after_a_move_goes_to_the_same_bodies_under_ids_of_its_own() -> None:
    old, own = ex_officio(), messages(MOVED)
    assert set(old) == set(own) == kinds(MOVED)
    assert {m.message_id for m in old.values()}.isdisjoint(m.message_id for m in own.values())
    assert {k: m.message_id for k, m in old.items()} == {k: m.message_id for k, m in ex_officio().items()}
    assert {m.message_type for m in old.values()} == {f"{k.value}.gewerbemeldung.0300" for k in old}
    assert all(
        (m.case_id, m.owner_ags, m.file_number) == (CASE_ID, WURZEN, "WUR-GEW-2026-000001") for m in old.values()
    )


def test_the_old_town_is_the_author_and_the_record_points_to_the_case_at_the_new_site() -> None:
    root = parse(export_message(ex_officio()[R.FINANZAMT]))
    assert root.findtext("g:nachrichtenkopf/g:nachrichtentyp", namespaces=NS) == "fa.gewerbemeldung.0300"
    assert root.findtext("g:nachrichtenkopf/g:autor/g:behoerdenkennung", namespaces=NS) == f"MELDID:{WURZEN}"
    assert root.find("g:nachrichtenkopf/g:autor/g:bearbeitendeGemeinde", NS) is None  # its own act
    record = root.find("g:satz/g:abmeldung", NS)
    assert record is not None
    assert [record.findtext(f"g:{tag}", namespaces=NS) for tag in ("gemeindeSchluessel", "aktenzeichen")] == [
        WURZEN,
        "WUR-GEW-2026-000001",
    ]
    assert record.findtext("g:gewerbebetriebID", namespaces=NS) == "b-old"
    assert record.findtext("g:gueltigAb", namespaces=NS) == "2026-11-30"
    assert record.findtext("g:grundAbmeldungSchluessel", namespaces=NS) == "verlegung_in_anderen_meldebezirk"
    assert record.find("g:ursacheAbmeldungSchluessel", NS) is None
    assert record.findtext("g:betrieb/g:betriebsstaette/g:gemeindeSchluessel", namespaces=NS) == WURZEN
    moved_to = record.find("g:verlegtNach", NS)
    assert moved_to is not None
    assert [etree.QName(c).localname for c in moved_to] == [
        "gemeindeSchluessel",
        "aktenzeichen",
        "gewerbebetriebID",
        "vorgangID",
        "betriebsstaette",
    ]
    assert [c.text for c in moved_to][:4] == [AUGUSTUSBURG, "AUG-GEW-2026-000007", "b-new", CASE_ID]
    assert moved_to.findtext("g:betriebsstaette/g:ort", namespaces=NS) == "Augustusburg"


def test_the_old_towns_statistics_message_keeps_its_profile() -> None:
    data = export_message(ex_officio()[R.STATISTIK])
    assert b"Erika" not in data and b"1985" not in data and b"Domplatz" not in data
    assert b"<verlegtNach>" in data


def test_the_messages_of_a_step_are_exported_as_each_alone() -> None:
    """A step's messages share records per notice and profile: each still carries its own notice."""
    step = [*messages(MOVED, processing_ags=WURZEN).values(), *ex_officio().values()]
    exported = export_messages(step)
    assert exported == [export_message(message) for message in step]
    moved = [m for m, data in zip(step, exported, strict=True) if b"<verlegtNach>" in data]
    assert {m.notice.kind for m in moved} == {NoticeKind.ABMELDUNG} and len(moved) == len(ex_officio())
