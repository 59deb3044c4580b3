"""Writes a :class:`RecipientMessage` as XML oriented on XGewerbeordnung (format in docs/gewerbe.md).

This is the project's own exchange format (namespace :data:`NAMESPACE`), not a conforming XGewO
instance: element names and structure follow the XGewO elements (``nachrichtenkopf``, ``satz``,
``anmeldung``/``ummeldung``/``abmeldung``, ``betrieb``, ``beteiligtePerson``, ``taetigkeit``), so a
mapping to the real schema (generated bindings from the XRepository XSDs) stays mechanical. Code
values are this service's enum values; WZ codes are written as five digits (``96021``).

Only what the recipient's data profile allows is written (see ``domain/recipients.py``). An
Abmeldung ex officio after a move names the case at the new site in ``verlegtNach``.
"""

from __future__ import annotations

from datetime import date

from ikdz_contracts.payloads.gewerbe import Address, BusinessAddress, Person, compact_wz_code
from lxml import etree

from ikdz_trade_registration.domain.countries import has_free_movement
from ikdz_trade_registration.domain.recipients import DataProfile, MovedTo, RecipientMessage

NAMESPACE = "urn:ikdz:gewerbemeldung:1"
FORMAT_VERSION = "1.0"
_NS = f"{{{NAMESPACE}}}"


def _sub(parent: etree._Element, tag: str, text: str | date | int | bool | None = None) -> etree._Element:
    element = etree.SubElement(parent, _NS + tag)
    if isinstance(text, bool):
        element.text = "true" if text else "false"
    elif isinstance(text, date):
        element.text = text.isoformat()
    elif text is not None:
        element.text = str(text)
    return element


def _address(parent: etree._Element, tag: str, address: Address) -> None:
    element = _sub(parent, tag)
    _sub(element, "strasse", address.street)
    _sub(element, "hausnummer", address.house_number)
    _sub(element, "postleitzahl", address.postal_code)
    _sub(element, "ort", address.city)
    _sub(element, "staat", address.country)
    if isinstance(address, BusinessAddress):
        _sub(element, "gemeindeSchluessel", address.municipality_ags)


def _person(parent: etree._Element, person: Person, *, identifying: bool) -> None:
    element = _sub(parent, "beteiligtePerson")
    _sub(element, "funktion", person.role.value)
    if person.sex is not None:
        _sub(element, "geschlecht", person.sex.value)
    for nationality in person.nationalities:
        _sub(element, "staatsangehoerigkeit", nationality)
    if not identifying:
        return
    _sub(element, "familienname", person.family_name)
    _sub(element, "vornamen", person.given_names)
    if person.birth_name is not None:
        _sub(element, "geburtsname", person.birth_name)
    _sub(element, "geburtsdatum", person.date_of_birth)
    _sub(element, "geburtsort", person.place_of_birth)
    _sub(element, "geburtsstaat", person.country_of_birth)
    _address(element, "anschrift", person.address)
    if person.residence_title is not None:
        title = _sub(element, "aufenthaltstitel")
        _sub(title, "art", person.residence_title.kind)
        _sub(title, "ausstellendeBehoerde", person.residence_title.issued_by)
        if person.residence_title.valid_until is not None:
            _sub(title, "gueltigBis", person.residence_title.valid_until)


def _header(root: etree._Element, message: RecipientMessage) -> None:
    head = _sub(root, "nachrichtenkopf")
    _sub(head, "nachrichtenUUID", message.message_id)
    _sub(head, "nachrichtentyp", message.message_type)
    _sub(head, "erstellungszeitpunkt", message.created_at.isoformat())
    author = _sub(head, "autor")
    _sub(author, "behoerdenkennung", f"MELDID:{message.owner_ags}")
    _sub(author, "gemeindeSchluessel", message.owner_ags)
    if message.processing_ags is not None:
        _sub(author, "bearbeitendeGemeinde", message.processing_ags)
    reader = _sub(head, "leser")
    _sub(reader, "empfaengerart", message.recipient.kind.value)
    _sub(reader, "bezeichnung", message.recipient.label_de)
    _sub(reader, "rechtsgrundlage", message.recipient.legal_basis)
    _sub(head, "regelwerk", message.ruleset_version)


def export_message(message: RecipientMessage) -> bytes:
    """UTF-8 XML with declaration; deterministic for the same message."""
    notice = message.notice
    profile = message.recipient.profile
    root = etree.Element(_NS + "gewerbemeldung", nsmap={None: NAMESPACE})
    root.set("version", FORMAT_VERSION)
    _header(root, message)
    record = _sub(_sub(root, "satz"), notice.kind.value)
    _sub(record, "gemeindeSchluessel", notice.owner_ags)
    _sub(record, "aktenzeichen", message.file_number)
    _sub(record, "gewerbebetriebID", message.registration_id)
    _sub(record, "istKorrektur", notice.is_correction)
    _sub(record, "datumMeldung", notice.filed_on)
    _sub(record, "gueltigAb", notice.effective_date)
    if notice.registration_reason is not None:
        _sub(record, "grundAnmeldungSchluessel", notice.registration_reason.value)
    for reason in sorted(notice.change_reasons):
        _sub(record, "grundUmmeldungSchluessel", reason.value)
    if notice.deregistration_reason is not None:
        _sub(record, "grundAbmeldungSchluessel", notice.deregistration_reason.value)
    if notice.deregistration_cause is not None:
        _sub(record, "ursacheAbmeldungSchluessel", notice.deregistration_cause.value)
    if message.moved_to is not None:
        _moved_to(record, message.moved_to)

    _business(record, message)
    for person in notice.persons:
        if profile is DataProfile.FOREIGN_NATIONALS and has_free_movement(person.nationalities):
            continue
        _person(record, person, identifying=profile is not DataProfile.STATISTICS)
    for index, line in enumerate(notice.activities):
        activity = _sub(record, "taetigkeit")
        _sub(activity, "beschreibung", line.description)
        _sub(activity, "taetigkeitSchluessel", compact_wz_code(line.wz_code))
        _sub(activity, "schwerpunkt", index == 0)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _moved_to(record: etree._Element, moved_to: MovedTo) -> None:
    element = _sub(record, "verlegtNach")
    _sub(element, "gemeindeSchluessel", moved_to.owner_ags)
    _sub(element, "aktenzeichen", moved_to.file_number)
    _sub(element, "gewerbebetriebID", moved_to.registration_id)
    _sub(element, "vorgangID", moved_to.case_id)
    _address(element, "betriebsstaette", moved_to.address)


def _business(record: etree._Element, message: RecipientMessage) -> None:
    notice = message.notice
    business = _sub(record, "betrieb")
    _sub(business, "rechtsformSchluessel", notice.legal_form.value)
    if notice.company is not None:
        _sub(business, "name", notice.company.name)
        entry = notice.company.register_entry
        if entry is not None:
            register = _sub(business, "registereintrag")
            _sub(register, "art", entry.register_type.value)
            _sub(register, "gericht", entry.court)
            _sub(register, "nummer", entry.number)
        _sub(business, "beteiligungOeffentlicheHand", notice.company.public_sector_participation)
    if notice.establishment.trade_name is not None:
        _sub(business, "geschaeftsbezeichnung", notice.establishment.trade_name)
    for kind in sorted(notice.business_types):
        _sub(business, "betriebArt", kind.value)
    _sub(business, "niederlassungArt", notice.establishment.kind.value)
    staff = _sub(business, "beschaeftigte")
    _sub(staff, "vollzeit", notice.employees_full_time)
    _sub(staff, "teilzeit", notice.employees_part_time)
    _sub(business, "istNebenerwerb", notice.side_business)
    _address(business, "betriebsstaette", notice.establishment.address)
    if notice.previous_address is not None:
        _address(business, "vorherigeBetriebsstaette", notice.previous_address)
    if notice.establishment.main_establishment_address is not None:
        _address(business, "hauptniederlassung", notice.establishment.main_establishment_address)
