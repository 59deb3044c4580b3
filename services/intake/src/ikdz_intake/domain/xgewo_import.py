"""XML import of a Gewerbeanzeige, oriented on XGewerbeordnung: element tree → payload of the contract.

The format is the one trade-registration exports to recipients (namespace ``urn:ikdz:gewerbemeldung:1``,
``docs/gewerbe.md``) with the parts a filing needs on top (``erklaerungen``, contact data): XGewO's
element names (``gemeindeSchluessel``, ``gueltigAb``, ``betrieb``, ``beteiligtePerson``,
``taetigkeit`` …) and this project's code values. So an onboarded town's export and another
system's filing read alike, and a mapping to the real XGewO schema stays mechanical.

Only structure is checked here: the root, one record, no unknown elements (a misspelt element would
silently drop data). Values go into the payload as text (booleans and whole numbers converted), and
the payload model reports wrong values; :meth:`XmlPaths.element_path` turns its field paths back
into element paths such as ``/gewerbemeldung/satz/anmeldung/beteiligtePerson[2]/geburtsdatum``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ikdz_intake.domain.gewerbe_errors import FieldProblem

NAMESPACE = "urn:ikdz:gewerbemeldung:1"
_NS = f"{{{NAMESPACE}}}"
KINDS = ("anmeldung", "ummeldung", "abmeldung")

Spec = tuple[tuple[str, str], ...]
_ADDRESS: Spec = (
    ("street", "strasse"),
    ("house_number", "hausnummer"),
    ("postal_code", "postleitzahl"),
    ("city", "ort"),
    ("country", "staat"),
)
_BUSINESS_ADDRESS: Spec = (*_ADDRESS, ("municipality_ags", "gemeindeSchluessel"))
_HEADER_ELEMENTS = frozenset({"nachrichtenkopf", "satz"})
_RECORD_SCALARS: Spec = (
    ("owner_ags", "gemeindeSchluessel"),
    ("is_correction", "istKorrektur"),
    ("filed_on", "datumMeldung"),
    ("effective_date", "gueltigAb"),
    ("registration_reason", "grundAnmeldungSchluessel"),
    ("deregistration_reason", "grundAbmeldungSchluessel"),
    ("deregistration_cause", "ursacheAbmeldungSchluessel"),
)
_RECORD_OTHERS = frozenset(
    {
        "aktenzeichen",
        "gewerbebetriebID",
        "grundUmmeldungSchluessel",
        "betrieb",
        "beteiligtePerson",
        "taetigkeit",
        "erklaerungen",
    }
)
_BUSINESS_SCALARS: Spec = (
    ("legal_form", "rechtsformSchluessel"),
    ("side_business", "istNebenerwerb"),
)
_BUSINESS_OTHERS = frozenset(
    {
        "name", "registereintrag", "beteiligungOeffentlicheHand", "geschaeftsbezeichnung", "betriebArt",
        "niederlassungArt", "beschaeftigte", "betriebsstaette", "vorherigeBetriebsstaette", "hauptniederlassung",
        "telefon", "email",
    }
)  # fmt: skip
_PERSON: Spec = (
    ("role", "funktion"),
    ("sex", "geschlecht"),
    ("family_name", "familienname"),
    ("given_names", "vornamen"),
    ("birth_name", "geburtsname"),
    ("date_of_birth", "geburtsdatum"),
    ("place_of_birth", "geburtsort"),
    ("country_of_birth", "geburtsstaat"),
    ("phone", "telefon"),
    ("email", "email"),
)
_RESIDENCE_TITLE: Spec = (
    ("kind", "art"),
    ("issued_by", "ausstellendeBehoerde"),
    ("valid_until", "gueltigBis"),
    ("self_employment_permitted", "selbstaendigeTaetigkeitErlaubt"),
)
_ACTIVITY: Spec = (("description", "beschreibung"), ("wz_code", "taetigkeitSchluessel"))
_PERMIT: Spec = (("kind", "art"), ("issued_on", "datum"), ("authority", "behoerde"), ("reference", "aktenzeichen"))
_CARD: Spec = (("chamber", "kammer"), ("number", "nummer"), ("issued_on", "datum"))
_DECLARATION_FLAGS: Spec = (
    ("serves_alcohol", "alkoholausschank"),
    ("travelling_trade", "reisegewerbe"),
    ("data_correct", "richtigkeitVersichert"),
)
_BOOLEAN_FIELDS = frozenset(
    {"is_correction", "side_business", "public_sector_participation", "self_employment_permitted"}
    | {name for name, _ in _DECLARATION_FLAGS}
)
_INTEGER_FIELDS = frozenset({"employees_full_time", "employees_part_time"})


@dataclass
class XmlPaths:
    """Which element each payload field was read from (or would have been)."""

    elements: dict[str, str] = field(default_factory=dict)

    def element_path(self, payload_path: str) -> str:
        """The element path of a payload field; for a field inside a mapped container, the container's."""
        path = payload_path
        while path:
            if path in self.elements:
                return self.elements[path]
            path = path.rpartition(".")[0]
        return self.elements.get("", "/gewerbemeldung")


class XmlMappingError(ValueError):
    """The document's structure does not fit the import format; ``problems`` say where."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


def _local(element: etree._Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.removeprefix(_NS) if tag.startswith(_NS) else tag


def _value(name: str, text: str) -> Any:
    if name in _BOOLEAN_FIELDS and text in {"true", "1", "false", "0"}:
        return text in {"true", "1"}
    if name in _INTEGER_FIELDS and text.isdigit():
        return int(text)
    return text


class _Reader:
    def __init__(self) -> None:
        self.paths = XmlPaths()
        self.problems: list[FieldProblem] = []

    def children(self, element: etree._Element, where: str, allowed: Iterable[str]) -> None:
        """Report child elements the format does not have, and text where elements belong."""
        known = set(allowed)
        for child in element:
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions
            name = _local(child)
            if not child.tag.startswith(_NS) or name not in known:
                self.problems.append(
                    FieldProblem(
                        path=f"{where}/{child.tag}",
                        code="unknown_element",
                        message=f"element {child.tag} is not part of the import format here "
                        f"(expected elements in {NAMESPACE}: {', '.join(sorted(known))})",
                        message_de=f"Das Element {name} ist an dieser Stelle nicht vorgesehen.",
                    )
                )

    def scalars(self, element: etree._Element | None, where: str, prefix: str, spec: Spec) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, tag in spec:
            self.paths.elements[f"{prefix}{name}"] = f"{where}/{tag}"
            child = element.find(_NS + tag) if element is not None else None
            if child is not None and child.text is not None and child.text.strip():
                values[name] = _value(name, child.text.strip())
        return values

    def group(self, parent: etree._Element, where: str, prefix: str, tag: str, spec: Spec) -> dict[str, Any] | None:
        self.paths.elements[prefix.rstrip(".")] = f"{where}/{tag}"
        element = parent.find(_NS + tag)
        if element is None:
            return None
        self.children(element, f"{where}/{tag}", (t for _, t in spec))
        return self.scalars(element, f"{where}/{tag}", prefix, spec)

    def repeated(
        self, parent: etree._Element, where: str, prefix: str, tag: str
    ) -> list[tuple[etree._Element, str, str]]:
        """Each ``tag`` child with its element path and payload prefix."""
        self.paths.elements[prefix] = f"{where}/{tag}"
        return [
            (element, f"{where}/{tag}[{index + 1}]", f"{prefix}.{index}.")
            for index, element in enumerate(parent.findall(_NS + tag))
        ]

    def texts(self, parent: etree._Element, tag: str) -> list[str]:
        return [child.text.strip() for child in parent.findall(_NS + tag) if child.text and child.text.strip()]


def _person(r: _Reader, element: etree._Element, where: str, prefix: str) -> dict[str, Any]:
    r.children(element, where, [*(t for _, t in _PERSON), "staatsangehoerigkeit", "anschrift", "aufenthaltstitel"])
    person = r.scalars(element, where, prefix, _PERSON)
    r.paths.elements[f"{prefix}nationalities"] = f"{where}/staatsangehoerigkeit"
    person["nationalities"] = r.texts(element, "staatsangehoerigkeit")
    address = r.group(element, where, f"{prefix}address.", "anschrift", _ADDRESS)
    if address is not None:
        person["address"] = address
    title = r.group(element, where, f"{prefix}residence_title.", "aufenthaltstitel", _RESIDENCE_TITLE)
    if title is not None:
        person["residence_title"] = title
    return person


def _business(r: _Reader, record: etree._Element, where: str, kind_payload: dict[str, Any]) -> None:
    r.paths.elements["establishment"] = f"{where}/betrieb"
    business = record.find(_NS + "betrieb")
    if business is None:
        r.problems.append(
            FieldProblem(
                path=f"{where}/betrieb",
                code="missing",
                message="element betrieb is required",
                message_de="Das Element betrieb fehlt.",
            )
        )
        return
    here = f"{where}/betrieb"
    r.children(business, here, _BUSINESS_OTHERS | {t for _, t in _BUSINESS_SCALARS})
    kind_payload.update(r.scalars(business, here, "", _BUSINESS_SCALARS))
    company = r.scalars(
        business, here, "company.", (("name", "name"), ("public_sector_participation", "beteiligungOeffentlicheHand"))
    )
    register = r.group(
        business,
        here,
        "company.register_entry.",
        "registereintrag",
        (("register_type", "art"), ("court", "gericht"), ("number", "nummer")),
    )
    if register is not None:
        company["register_entry"] = register
    if company:
        kind_payload["company"] = company
    staff = r.group(
        business, here, "", "beschaeftigte", (("employees_full_time", "vollzeit"), ("employees_part_time", "teilzeit"))
    )
    kind_payload.update(staff or {})
    r.paths.elements["business_types"] = f"{here}/betriebArt"
    kind_payload["business_types"] = r.texts(business, "betriebArt")
    establishment = r.scalars(
        business,
        here,
        "establishment.",
        (
            ("trade_name", "geschaeftsbezeichnung"),
            ("kind", "niederlassungArt"),
            ("phone", "telefon"),
            ("email", "email"),
        ),
    )
    site = r.group(business, here, "establishment.address.", "betriebsstaette", _BUSINESS_ADDRESS)
    if site is not None:
        establishment["address"] = site
    main = r.group(business, here, "establishment.main_establishment_address.", "hauptniederlassung", _ADDRESS)
    if main is not None:
        establishment["main_establishment_address"] = main
    kind_payload["establishment"] = establishment
    previous = r.group(business, here, "previous_address.", "vorherigeBetriebsstaette", _BUSINESS_ADDRESS)
    if previous is not None:
        kind_payload["previous_address"] = previous


def _declarations(r: _Reader, record: etree._Element, where: str) -> dict[str, Any]:
    here = f"{where}/erklaerungen"
    r.paths.elements["declarations"] = here
    element = record.find(_NS + "erklaerungen")
    if element is None:
        return {}
    r.children(element, here, [*(t for _, t in _DECLARATION_FLAGS), "erlaubnis", "handwerkskarte"])
    declarations = r.scalars(element, here, "declarations.", _DECLARATION_FLAGS)
    permits = []
    for permit, path, prefix in r.repeated(element, here, "declarations.permits", "erlaubnis"):
        r.children(permit, path, (t for _, t in _PERMIT))
        permits.append(r.scalars(permit, path, prefix, _PERMIT))
    declarations["permits"] = permits
    card = r.group(element, here, "declarations.handwerkskarte.", "handwerkskarte", _CARD)
    if card is not None:
        declarations["handwerkskarte"] = card
    return declarations


def read_notice(root: etree._Element) -> tuple[dict[str, Any], XmlPaths]:
    """The payload in the document; :class:`XmlMappingError` for a structure the format does not have."""
    if root.tag != f"{_NS}gewerbemeldung":
        tag = root.tag if isinstance(root.tag, str) else repr(root.tag)
        raise XmlMappingError(
            [
                FieldProblem(
                    path="/",
                    code="unsupported_document",
                    message=f"the root element must be gewerbemeldung in the namespace {NAMESPACE}, not {tag}",
                    message_de="Das Dokument ist keine Gewerbemeldung.",
                )
            ]
        )
    r = _Reader()
    r.paths.elements[""] = "/gewerbemeldung"
    r.children(root, "/gewerbemeldung", _HEADER_ELEMENTS)
    records = [child for child in root.iterfind(f"{_NS}satz/*") if isinstance(child.tag, str)]
    if len(records) != 1 or _local(records[0]) not in KINDS:
        r.problems.append(
            FieldProblem(
                path="/gewerbemeldung/satz",
                code="record_count",
                message="satz must hold exactly one of anmeldung, ummeldung or abmeldung",
                message_de="Die Gewerbemeldung muss genau eine Anmeldung, Ummeldung oder Abmeldung enthalten.",
            )
        )
        raise XmlMappingError(r.problems)
    record = records[0]
    kind = _local(record)
    where = f"/gewerbemeldung/satz/{kind}"
    r.paths.elements["kind"] = where
    r.children(record, where, _RECORD_OTHERS | {t for _, t in _RECORD_SCALARS})
    payload: dict[str, Any] = {"kind": kind, **r.scalars(record, where, "", _RECORD_SCALARS)}
    r.paths.elements["change_reasons"] = f"{where}/grundUmmeldungSchluessel"
    payload["change_reasons"] = r.texts(record, "grundUmmeldungSchluessel")
    if kind != "anmeldung":
        reference = r.scalars(record, where, "previous_registration.", (("registration_id", "gewerbebetriebID"),))
        if reference:
            payload["previous_registration"] = reference
    _business(r, record, where, payload)
    payload["persons"] = [
        _person(r, element, path, prefix)
        for element, path, prefix in r.repeated(record, where, "persons", "beteiligtePerson")
    ]
    activities = []
    for element, path, prefix in r.repeated(record, where, "activities", "taetigkeit"):
        r.children(element, path, ["beschreibung", "taetigkeitSchluessel", "schwerpunkt"])
        activities.append(r.scalars(element, path, prefix, _ACTIVITY))
    payload["activities"] = activities
    payload["declarations"] = _declarations(r, record, where)
    if r.problems:
        raise XmlMappingError(r.problems)
    return payload, r.paths
