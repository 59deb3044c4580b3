"""Existing registrations: resolving Ummeldung/Abmeldung, duplicates, and moves between towns.

Pure functions over the registrations a repository hands in. Matching uses normalised keys:

- holder: register court + type + number for registered businesses, else the company name, else
  each trader's name and date of birth (sorted, so the order of GbR partners does not matter);
- address: AGS, PLZ, street and house number, with ``Straße``/``Str.`` and case folded.

A reference the applicant gives (the ``gewerbebetriebID`` on the receipt) wins; without it the
holder and the Betriebsstätte must match exactly one active registration. Anything else is not
guessed: no match is a German error for the applicant, several or a mismatch a clerk task.

A Verlegung aus einem anderen Meldebezirk (GewA 1 Feld 25) is also the deregistration at the old
site (Rückmeldeverfahren): the closure date is the day before the start at the new site. If the old
town is onboarded, the result is an order to deregister there; otherwise a notice to send to its
Gewerbeamt. The onboarded old town's deregistration is its own Abmeldung (GewA 3) ex officio, which
goes to its recipients like any other (:func:`ex_officio_abmeldung`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Container, Iterable
from datetime import date, timedelta
from typing import Literal

from ikdz_contracts.payloads.gewerbe import (
    Address,
    BusinessAddress,
    ChangeReason,
    DeregistrationReason,
    Gewerbeanzeige,
    LegalForm,
    NoticeKind,
    PersonRole,
    PreviousRegistration,
    RegistrationReason,
)
from ikdz_contracts.payloads.gewerbe_rules import Severity, Violation
from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class Registration(_Frozen):
    """A business registered with a town (the stored result of an accepted Anmeldung)."""

    registration_id: str
    owner_ags: str
    file_number: str
    holder_key: str
    holder_name: str
    legal_form: LegalForm
    address: BusinessAddress
    main_wz_code: str
    registered_on: date
    deregistered_on: date | None = None

    @property
    def active(self) -> bool:
        return self.deregistered_on is None


class Resolved(_Frozen):
    registration: Registration
    matched_by: Literal["registration_id", "holder_and_address"]


class NotFound(_Frozen):
    """Nothing to change or close: a German error for the applicant."""

    violation: Violation


class Ambiguous(_Frozen):
    """A clerk decides which registration is meant (or that none is)."""

    candidates: tuple[Registration, ...]
    reason_de: str


Resolution = Resolved | NotFound | Ambiguous


class DeregistrationOrder(_Frozen):
    """Also deregister in an onboarded town: the old site of a business that moved here."""

    town_ags: str
    closure_date: date
    reason: DeregistrationReason
    holder_key: str
    previous_address: BusinessAddress
    new_owner_ags: str
    text_de: str


class ExternalNotice(_Frozen):
    """The old town is not onboarded: its Gewerbeamt is informed (XGewO Rückmeldeverfahren)."""

    town_ags: str
    closure_date: date
    text_de: str


def _norm(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = re.sub(r"stra(ss|ß)e\b|str\.", "str", folded)
    return re.sub(r"[^0-9a-zäöü]+", "", folded)


def holder_key(app: Gewerbeanzeige) -> str:
    """Who runs the business, independent of spelling, spacing and partner order."""
    company = app.company
    if company is not None and company.register_entry is not None:
        entry = company.register_entry
        return f"register:{_norm(entry.court)}:{entry.register_type.value}:{_norm(entry.number)}"
    if company is not None and app.legal_form is not LegalForm.EINZELUNTERNEHMEN:
        return f"company:{_norm(company.name)}"
    traders = [p for p in app.persons if p.role in {PersonRole.INHABER, PersonRole.GESELLSCHAFTER}] or list(app.persons)
    return "persons:" + "|".join(
        sorted(f"{_norm(p.family_name)}:{_norm(p.given_names)}:{p.date_of_birth.isoformat()}" for p in traders)
    )


def address_key(address: Address) -> str:
    ags = address.municipality_ags if isinstance(address, BusinessAddress) else "-"
    return f"{ags}:{address.postal_code}:{_norm(address.street)}:{_norm(address.house_number)}"


def duplicate_key(app: Gewerbeanzeige) -> str:
    """Same town, holder and Betriebsstätte: a second Anmeldung of one business. SHA-256, hex."""
    material = f"{app.owner_ags}|{holder_key(app)}|{address_key(app.establishment.address)}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def registration_key(registration: Registration) -> str:
    """The :func:`duplicate_key` a stored registration holds while it is active."""
    material = f"{registration.owner_ags}|{registration.holder_key}|{address_key(registration.address)}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def new_registration(app: Gewerbeanzeige, registration_id: str, file_number: str) -> Registration:
    """The registration an accepted Anmeldung creates."""
    return Registration(
        registration_id=registration_id,
        owner_ags=app.owner_ags,
        file_number=file_number,
        holder_key=holder_key(app),
        holder_name=app.holder_name,
        legal_form=app.legal_form,
        address=app.establishment.address,
        main_wz_code=app.main_activity.wz_code,
        registered_on=app.effective_date,
    )


def changed_registration(registration: Registration, app: Gewerbeanzeige) -> Registration:
    """The registration after an Ummeldung: site (a move within the town), name, legal form, main activity."""
    return registration.model_copy(
        update={
            "address": app.establishment.address,
            "holder_name": app.holder_name,
            "holder_key": holder_key(app),
            "legal_form": app.legal_form,
            "main_wz_code": app.main_activity.wz_code,
        }
    )


def find_duplicate(app: Gewerbeanzeige, registrations: Iterable[Registration]) -> Registration | None:
    """The active registration an Anmeldung would duplicate, if any."""
    if app.kind is not NoticeKind.ANMELDUNG:
        return None
    holder, address = holder_key(app), address_key(app.establishment.address)
    return next(
        (
            r
            for r in registrations
            if r.active
            and r.owner_ags == app.owner_ags
            and r.holder_key == holder
            and address_key(r.address) == address
        ),
        None,
    )


def duplicate_violation(existing: Registration) -> Violation:
    return Violation(
        rule="anmeldung.doppelt",
        field="establishment.address",
        message_de=(
            f"Für diesen Betrieb an dieser Betriebsstätte liegt bereits eine Gewerbeanmeldung vor "
            f"(Aktenzeichen {existing.file_number}, angemeldet zum {existing.registered_on:%d.%m.%Y}). Für "
            "Änderungen erstatten Sie bitte eine Ummeldung."
        ),
        severity=Severity.ERROR,
    )


def _site_of_existing(app: Gewerbeanzeige) -> BusinessAddress:
    moved = app.kind is NoticeKind.UMMELDUNG and ChangeReason.VERLEGUNG_INNERHALB in app.change_reasons
    return app.previous_address if moved and app.previous_address is not None else app.establishment.address


def _not_found(message: str, path: str) -> NotFound:
    return NotFound(
        violation=Violation(rule="registrierung.unbekannt", field=path, message_de=message, severity=Severity.ERROR)
    )


def resolve_existing(app: Gewerbeanzeige, registrations: Iterable[Registration], town_name: str) -> Resolution:
    """The registration an Ummeldung or Abmeldung refers to (see module docstring)."""
    own = [r for r in registrations if r.owner_ags == app.owner_ags]
    reference = app.previous_registration.registration_id if app.previous_registration else None
    if reference is not None:
        return _by_reference(reference, holder_key(app), own, town_name)
    site = address_key(_site_of_existing(app))
    active = [r for r in own if r.active and r.holder_key == holder_key(app)]
    at_site = [r for r in active if address_key(r.address) == site]
    if len(at_site) == 1:
        return Resolved(registration=at_site[0], matched_by="holder_and_address")
    if at_site or active:
        return Ambiguous(
            candidates=tuple(at_site or active),
            reason_de=(
                "Mehrere Anmeldungen passen zu Inhaber und Betriebsstätte."
                if at_site
                else "Zum Inhaber sind Anmeldungen bekannt, aber keine an dieser Betriebsstätte."
            ),
        )
    return _not_found(
        f"Zu Ihren Angaben ist beim Gewerbeamt {town_name} kein angemeldeter Gewerbebetrieb bekannt. Bitte prüfen Sie "
        "Name, Anschrift der Betriebsstätte und das Aktenzeichen Ihrer Anmeldung.",
        "previous_registration",
    )


def _by_reference(reference: str, holder: str, own: list[Registration], town_name: str) -> Resolution:
    match = next((r for r in own if r.registration_id == reference), None)
    if match is None:
        return _not_found(
            f"Die angegebene Gewerbeanmeldung {reference} ist beim Gewerbeamt {town_name} nicht bekannt.",
            "previous_registration.registration_id",
        )
    if not match.active:
        return _not_found(
            f"Die Gewerbeanmeldung {match.file_number} ist bereits zum {match.deregistered_on:%d.%m.%Y} abgemeldet.",
            "previous_registration.registration_id",
        )
    if match.holder_key != holder:
        return Ambiguous(
            candidates=(match,),
            reason_de="Die angegebene Anmeldung gehört nach den Registerdaten zu einem anderen Inhaber.",
        )
    return Resolved(registration=match, matched_by="registration_id")


def relocation(app: Gewerbeanzeige, onboarded: Container[str]) -> DeregistrationOrder | ExternalNotice | None:
    """What a Verlegung aus einem anderen Meldebezirk means for the old town, or None for other notices."""
    if (
        app.kind is not NoticeKind.ANMELDUNG
        or app.registration_reason is not RegistrationReason.VERLEGUNG_AUS_ANDEREM_MELDEBEZIRK
        or app.previous_address is None
        or app.previous_address.municipality_ags == app.owner_ags
    ):
        return None
    old = app.previous_address.municipality_ags
    closure = app.effective_date - timedelta(days=1)
    if old in onboarded:
        return DeregistrationOrder(
            town_ags=old,
            closure_date=closure,
            reason=DeregistrationReason.VERLEGUNG_IN_ANDEREN_MELDEBEZIRK,
            holder_key=holder_key(app),
            previous_address=app.previous_address,
            new_owner_ags=app.owner_ags,
            text_de=(
                f"Abmeldung von Amts wegen zum {closure:%d.%m.%Y}: Verlegung des Betriebs in den Meldebezirk "
                f"{app.owner_ags} (Anmeldung mit Grund 'Verlegung aus einem anderen Meldebezirk')."
            ),
        )
    return ExternalNotice(
        town_ags=old,
        closure_date=closure,
        text_de=(
            f"Rückmeldung an das Gewerbeamt {old}: Der Betrieb wurde zum {app.effective_date:%d.%m.%Y} in den "
            f"Meldebezirk {app.owner_ags} verlegt; die Anmeldung gilt dort als Abmeldung zum {closure:%d.%m.%Y}."
        ),
    )


def resolve_relocation(order: DeregistrationOrder, registrations: Iterable[Registration]) -> Resolution:
    """The registration to close in the old town, by holder and old Betriebsstätte (no reference there)."""
    site = address_key(order.previous_address)
    active = [
        r for r in registrations if r.owner_ags == order.town_ags and r.active and r.holder_key == order.holder_key
    ]
    at_site = [r for r in active if address_key(r.address) == site]
    if len(at_site) == 1:
        return Resolved(registration=at_site[0], matched_by="holder_and_address")
    if at_site or active:
        return Ambiguous(
            candidates=tuple(at_site or active),
            reason_de="Die Abmeldung nach Verlegung ist nicht eindeutig zuzuordnen.",
        )
    return _not_found(
        "In der bisherigen Gemeinde ist keine passende Anmeldung bekannt; die Abmeldung von Amts wegen entfällt.",
        "previous_address",
    )


def ex_officio_abmeldung(app: Gewerbeanzeige, closed: Registration) -> Gewerbeanzeige:
    """The Abmeldung the old town issues itself after a move to the town of ``app`` (Rückmeldeverfahren).

    The old town's register gives what is its own: town, old Betriebsstätte, closure date and the
    registration (id and Aktenzeichen). The register keeps no persons or activity lines, so these, the
    legal form and the business's other data come from the Anmeldung at the new site: the same
    holder (that is how the registration was found), reported on the day the new town received it.
    Grund "Verlegung in einen anderen Meldebezirk" is not a complete closure, so there is no cause.
    """
    closure = closed.deregistered_on
    if closure is None:
        msg = f"registration {closed.registration_id} is not closed: no Abmeldung to issue"
        raise ValueError(msg)
    return app.model_copy(
        update={
            "kind": NoticeKind.ABMELDUNG,
            "owner_ags": closed.owner_ags,
            "effective_date": closure,
            "is_correction": False,
            "establishment": app.establishment.model_copy(update={"address": closed.address}),
            "previous_address": None,
            "registration_reason": None,
            "change_reasons": frozenset(),
            "deregistration_reason": DeregistrationReason.VERLEGUNG_IN_ANDEREN_MELDEBEZIRK,
            "deregistration_cause": None,
            "previous_registration": PreviousRegistration(
                registration_id=closed.registration_id, file_number=closed.file_number
            ),
        }
    )
