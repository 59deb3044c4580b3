"""Writes a :class:`RecipientMessage` as XML oriented on XGewerbeordnung (format in docs/gewerbe.md).

This is the project's own exchange format (namespace :data:`NAMESPACE`), not a conforming XGewO
instance: element names and structure follow the XGewO elements (``nachrichtenkopf``, ``satz``,
``anmeldung``/``ummeldung``/``abmeldung``, ``betrieb``, ``beteiligtePerson``, ``taetigkeit``), so a
mapping to the real schema (generated bindings from the XRepository XSDs) stays mechanical. Code
values are this service's enum values; WZ codes are written as five digits (``96021``).

Only what the recipient's data profile allows is written (see ``domain/recipients.py``). An
Abmeldung ex officio after a move names the case at the new site in ``verlegtNach``.

The text is written directly, as lxml's ``tostring(pretty_print=True)`` writes a tree (the same
bytes: two spaces per level, ``<a/>`` for an empty element, ``&amp; &lt; &gt; &#13;`` escaped),
because building and serialising an lxml tree cost about four times as much, and every notice
has about five messages. The messages of one step share their record (``satz``) where notice and
data profile are the same (:func:`export_messages`): only the header names the recipient. Text
that XML cannot carry (control characters) is refused as lxml refuses it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from types import TracebackType

from ikdz_contracts.payloads.gewerbe import Address, BusinessAddress, Person, compact_wz_code

from ikdz_trade_registration.domain.countries import has_free_movement
from ikdz_trade_registration.domain.recipients import DataProfile, MovedTo, RecipientMessage

NAMESPACE = "urn:ikdz:gewerbemeldung:1"
FORMAT_VERSION = "1.0"
_OPEN = f"""<?xml version='1.0' encoding='UTF-8'?>\n<gewerbemeldung xmlns="{NAMESPACE}" version="{FORMAT_VERSION}">\n"""
_CLOSE = "</gewerbemeldung>\n"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 cannot carry (lone surrogates fail when the text is encoded as UTF-8)."""


def _escaped(text: str) -> str:
    if not text.isprintable() and _NOT_XML.search(text):  # isprintable: the common case, without a regex
        msg = f"All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters: {text!r}"
        raise ValueError(msg)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


class _Writer:
    """Elements (children of the root) written as text in document order; ``with writer.element(tag):``
    encloses children."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._open: list[tuple[str, int]] = []
        self._indent = "  "

    def leaf(self, tag: str, value: str | date | int | bool) -> None:
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, date):
            text = value.isoformat()
        elif isinstance(value, int):
            text = str(value)
        else:
            text = _escaped(value)
        self._parts.append(f"{self._indent}<{tag}>{text}</{tag}>\n")

    def element(self, tag: str) -> _Writer:
        self._open.append((tag, len(self._parts)))
        self._parts.append(f"{self._indent}<{tag}>\n")
        self._indent += "  "
        return self

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        tag, start = self._open.pop()
        self._indent = self._indent[:-2]
        if start == len(self._parts) - 1:  # no children
            self._parts[start] = f"{self._indent}<{tag}/>\n"
        else:
            self._parts.append(f"{self._indent}</{tag}>\n")

    def text(self) -> str:
        return "".join(self._parts)


def _address(w: _Writer, tag: str, address: Address) -> None:
    with w.element(tag):
        w.leaf("strasse", address.street)
        w.leaf("hausnummer", address.house_number)
        w.leaf("postleitzahl", address.postal_code)
        w.leaf("ort", address.city)
        w.leaf("staat", address.country)
        if isinstance(address, BusinessAddress):
            w.leaf("gemeindeSchluessel", address.municipality_ags)


def _person(w: _Writer, person: Person, *, identifying: bool) -> None:
    with w.element("beteiligtePerson"):
        w.leaf("funktion", person.role.value)
        if person.sex is not None:
            w.leaf("geschlecht", person.sex.value)
        for nationality in person.nationalities:
            w.leaf("staatsangehoerigkeit", nationality)
        if not identifying:
            return
        w.leaf("familienname", person.family_name)
        w.leaf("vornamen", person.given_names)
        if person.birth_name is not None:
            w.leaf("geburtsname", person.birth_name)
        w.leaf("geburtsdatum", person.date_of_birth)
        w.leaf("geburtsort", person.place_of_birth)
        w.leaf("geburtsstaat", person.country_of_birth)
        _address(w, "anschrift", person.address)
        if person.residence_title is not None:
            with w.element("aufenthaltstitel"):
                w.leaf("art", person.residence_title.kind)
                w.leaf("ausstellendeBehoerde", person.residence_title.issued_by)
                if person.residence_title.valid_until is not None:
                    w.leaf("gueltigBis", person.residence_title.valid_until)


def _header(message: RecipientMessage) -> str:
    w = _Writer()
    with w.element("nachrichtenkopf"):
        w.leaf("nachrichtenUUID", message.message_id)
        w.leaf("nachrichtentyp", message.message_type)
        w.leaf("erstellungszeitpunkt", message.created_at.isoformat())
        with w.element("autor"):
            w.leaf("behoerdenkennung", f"MELDID:{message.owner_ags}")
            w.leaf("gemeindeSchluessel", message.owner_ags)
            if message.processing_ags is not None:
                w.leaf("bearbeitendeGemeinde", message.processing_ags)
        with w.element("leser"):
            w.leaf("empfaengerart", message.recipient.kind.value)
            w.leaf("bezeichnung", message.recipient.label_de)
            w.leaf("rechtsgrundlage", message.recipient.legal_basis)
        w.leaf("regelwerk", message.ruleset_version)
    return w.text()


def export_message(message: RecipientMessage) -> bytes:
    """UTF-8 XML with declaration; deterministic for the same message."""
    return f"{_OPEN}{_header(message)}{_record(message)}{_CLOSE}".encode()


def export_messages(messages: Sequence[RecipientMessage]) -> list[bytes]:
    """Each message as :func:`export_message` writes it, each record written once per notice and profile."""
    records: dict[tuple[int, DataProfile, str, str, int], str] = {}
    exported = []
    for message in messages:
        # what the record is written from; the ids are of objects the messages hold for this call
        key = (
            id(message.notice),
            message.recipient.profile,
            message.file_number,
            message.registration_id,
            id(message.moved_to),
        )
        record = records.get(key)
        if record is None:
            record = records[key] = _record(message)
        exported.append(f"{_OPEN}{_header(message)}{record}{_CLOSE}".encode())
    return exported


def _record(message: RecipientMessage) -> str:
    """The ``satz``: the notice as the recipient's data profile allows, with file number and registration."""
    notice = message.notice
    profile = message.recipient.profile
    w = _Writer()
    with w.element("satz"), w.element(notice.kind.value):
        w.leaf("gemeindeSchluessel", notice.owner_ags)
        w.leaf("aktenzeichen", message.file_number)
        w.leaf("gewerbebetriebID", message.registration_id)
        w.leaf("istKorrektur", notice.is_correction)
        w.leaf("datumMeldung", notice.filed_on)
        w.leaf("gueltigAb", notice.effective_date)
        if notice.registration_reason is not None:
            w.leaf("grundAnmeldungSchluessel", notice.registration_reason.value)
        for reason in sorted(notice.change_reasons):
            w.leaf("grundUmmeldungSchluessel", reason.value)
        if notice.deregistration_reason is not None:
            w.leaf("grundAbmeldungSchluessel", notice.deregistration_reason.value)
        if notice.deregistration_cause is not None:
            w.leaf("ursacheAbmeldungSchluessel", notice.deregistration_cause.value)
        if message.moved_to is not None:
            _moved_to(w, message.moved_to)

        _business(w, message)
        for person in notice.persons:
            if profile is DataProfile.FOREIGN_NATIONALS and has_free_movement(person.nationalities):
                continue
            _person(w, person, identifying=profile is not DataProfile.STATISTICS)
        for index, line in enumerate(notice.activities):
            with w.element("taetigkeit"):
                w.leaf("beschreibung", line.description)
                w.leaf("taetigkeitSchluessel", compact_wz_code(line.wz_code))
                w.leaf("schwerpunkt", index == 0)
    return w.text()


def _moved_to(w: _Writer, moved_to: MovedTo) -> None:
    with w.element("verlegtNach"):
        w.leaf("gemeindeSchluessel", moved_to.owner_ags)
        w.leaf("aktenzeichen", moved_to.file_number)
        w.leaf("gewerbebetriebID", moved_to.registration_id)
        w.leaf("vorgangID", moved_to.case_id)
        _address(w, "betriebsstaette", moved_to.address)


def _business(w: _Writer, message: RecipientMessage) -> None:
    notice = message.notice
    with w.element("betrieb"):
        w.leaf("rechtsformSchluessel", notice.legal_form.value)
        if notice.company is not None:
            w.leaf("name", notice.company.name)
            entry = notice.company.register_entry
            if entry is not None:
                with w.element("registereintrag"):
                    w.leaf("art", entry.register_type.value)
                    w.leaf("gericht", entry.court)
                    w.leaf("nummer", entry.number)
            w.leaf("beteiligungOeffentlicheHand", notice.company.public_sector_participation)
        if notice.establishment.trade_name is not None:
            w.leaf("geschaeftsbezeichnung", notice.establishment.trade_name)
        for kind in sorted(notice.business_types):
            w.leaf("betriebArt", kind.value)
        w.leaf("niederlassungArt", notice.establishment.kind.value)
        with w.element("beschaeftigte"):
            w.leaf("vollzeit", notice.employees_full_time)
            w.leaf("teilzeit", notice.employees_part_time)
        w.leaf("istNebenerwerb", notice.side_business)
        _address(w, "betriebsstaette", notice.establishment.address)
        if notice.previous_address is not None:
            _address(w, "vorherigeBetriebsstaette", notice.previous_address)
        if notice.establishment.main_establishment_address is not None:
            _address(w, "hauptniederlassung", notice.establishment.main_establishment_address)
