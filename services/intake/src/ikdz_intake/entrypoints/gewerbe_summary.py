"""The check-your-answers page: a validated notice as German sections of (label, value) pairs."""

from __future__ import annotations

from ikdz_contracts.payloads.gewerbe import Address, Gewerbeanzeige, NoticeKind
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_contracts.reference.wz import WzCatalogue

from ikdz_intake.domain.gewerbe_errors import EFFECTIVE_DATE_LABELS
from ikdz_intake.entrypoints import gewerbe_options as opt

Section = tuple[str, list[tuple[str, str]]]


def _address(address: Address | None) -> str:
    if address is None:
        return ""
    country = "" if address.country == "DE" else f", {opt.option_text(opt.countries(), address.country)}"
    return f"{address.street} {address.house_number}, {address.postal_code} {address.city}{country}"


def _yes(value: bool) -> str:
    return "ja" if value else "nein"


def _reason(notice: Gewerbeanzeige) -> list[tuple[str, str]]:
    if notice.kind is NoticeKind.ANMELDUNG:
        return [("Grund der Anmeldung", opt.option_text(opt.REGISTRATION_REASONS, notice.registration_reason))]
    if notice.kind is NoticeKind.UMMELDUNG:
        reasons = [opt.option_text(opt.CHANGE_REASONS, r) for r in sorted(notice.change_reasons)]
        return [("Anlass der Ummeldung", "; ".join(reasons))]
    items = [("Grund der Abmeldung", opt.option_text(opt.DEREGISTRATION_REASONS, notice.deregistration_reason))]
    if notice.deregistration_cause is not None:
        items.append(("Ursache", opt.option_text(opt.DEREGISTRATION_CAUSES, notice.deregistration_cause)))
    return items


def summary_sections(notice: Gewerbeanzeige, wz: WzCatalogue, towns: MunicipalityRegistry) -> list[Section]:
    """What the citizen confirms, in the order of the form."""
    owner = towns.get(notice.owner_ags)
    occasion = [
        ("Gemeinde", owner.display_name if owner else notice.owner_ags),
        *_reason(notice),
        (EFFECTIVE_DATE_LABELS[notice.kind.value], notice.effective_date.strftime("%d.%m.%Y")),
    ]
    if notice.previous_address is not None:
        occasion.append(("Bisherige Betriebsstätte", _address(notice.previous_address)))
    if notice.previous_registration is not None:
        reference = notice.previous_registration.registration_id or notice.previous_registration.file_number
        occasion.append(("Bisherige Anzeige", reference or ""))

    business = [("Rechtsform", notice.legal_form.label_de)]
    if notice.company is not None:
        business.append(("Name (Firma)", notice.company.name))
        entry = notice.company.register_entry
        if entry is not None:
            business.append(("Registereintrag", f"{entry.register_type.value} {entry.number}, {entry.court}"))

    people: list[tuple[str, str]] = []
    for number, person in enumerate(notice.persons, start=1):
        nationalities = ", ".join(opt.option_text(opt.nationalities(), code) for code in person.nationalities)
        people.append(
            (
                f"Person {number}: {opt.option_text(opt.ROLES, person.role)}",
                f"{person.full_name}, geboren am {person.date_of_birth.strftime('%d.%m.%Y')} in "
                f"{person.place_of_birth}; Staatsangehörigkeit: {nationalities}; wohnhaft {_address(person.address)}",
            )
        )

    site = notice.establishment
    establishment = [
        ("Anschrift", _address(site.address)),
        ("Geschäftsbezeichnung", site.trade_name or ""),
        ("Art der Niederlassung", opt.option_text(opt.ESTABLISHMENT_KINDS, site.kind)),
    ]
    if site.main_establishment_address is not None:
        establishment.append(("Hauptniederlassung", _address(site.main_establishment_address)))

    activity: list[tuple[str, str]] = [
        (
            f"Tätigkeit {number}" if len(notice.activities) > 1 else "Tätigkeit",
            f"{line.description} (WZ {line.wz_code}: {wz.title(line.wz_code) or 'unbekannt'})",
        )
        for number, line in enumerate(notice.activities, start=1)
    ]
    activity += [
        ("Art des Betriebs", ", ".join(opt.option_text(opt.BUSINESS_TYPES, t) for t in sorted(notice.business_types))),
        ("Beschäftigte", f"{notice.employees_full_time} in Vollzeit, {notice.employees_part_time} in Teilzeit"),
        ("Nebenerwerb", _yes(notice.side_business)),
    ]

    declarations = notice.declarations
    stated = [
        ("Ausschank alkoholischer Getränke", _yes(declarations.serves_alcohol)),
        ("Reisegewerbe", _yes(declarations.travelling_trade)),
    ]
    for permit in declarations.permits:
        stated.append(
            (
                "Erlaubnis",
                f"{opt.option_text(opt.PERMIT_KINDS, permit.kind)}, {permit.authority}, "
                f"vom {permit.issued_on.strftime('%d.%m.%Y')}",
            )
        )
    if declarations.handwerkskarte is not None:
        card = declarations.handwerkskarte
        stated.append(
            ("Handwerkskarte", f"{card.chamber}, Nr. {card.number}, vom {card.issued_on.strftime('%d.%m.%Y')}")
        )
    stated.append(("Angaben richtig und vollständig", _yes(declarations.data_correct)))

    return [
        ("Anlass und Zeitpunkt", occasion),
        ("Unternehmen", business),
        ("Personen", people),
        ("Betriebsstätte", establishment),
        ("Tätigkeit", activity),
        ("Erklärungen", stated),
    ]
