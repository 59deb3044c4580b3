"""The XML import maps XGewO-oriented elements onto the payload contract and names elements in errors."""

from __future__ import annotations

import pytest
from ikdz_contracts.payloads.gewerbe import parse_payload
from ikdz_contracts.testing import gewerbe_payload
from ikdz_intake.domain.xgewo_import import XmlMappingError, read_notice
from ikdz_platform.safe_xml import parse_untrusted_xml
from pydantic import ValidationError

from .gewerbe_support import TODAY
from .xml_samples import anmeldung_xml


def _read(data: bytes) -> dict[str, object]:
    payload, _ = read_notice(parse_untrusted_xml(data, max_bytes=64 * 1024))
    return payload


def test_the_sample_import_is_the_same_notice_as_the_sample_payload() -> None:
    imported = parse_payload(_read(anmeldung_xml()))
    expected = gewerbe_payload(TODAY)
    expected["persons"][0]["address"]["country"] = "DE"
    expected["persons"][0]["email"] = "erika@example.org"
    expected["establishment"]["address"]["country"] = "DE"
    expected |= {"employees_full_time": 2, "employees_part_time": 1}

    assert imported == parse_payload(expected)
    assert imported.activities[0].wz_code == "62.01.9"  # five digits in the message, dotted in the model


def test_register_entry_and_representative_are_read() -> None:
    company = """
      <name>Muster Software GmbH</name>
      <registereintrag><art>HRB</art><gericht>Amtsgericht Leipzig</gericht><nummer>12345</nummer></registereintrag>
      <beteiligungOeffentlicheHand>false</beteiligungOeffentlicheHand>"""
    notice = parse_payload(_read(anmeldung_xml(legal_form="gmbh", company=company, role="gesetzlicher_vertreter")))
    assert notice.company is not None and notice.company.register_entry is not None
    assert notice.company.register_entry.court == "Amtsgericht Leipzig"
    assert notice.persons[0].role.value == "gesetzlicher_vertreter"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (
            anmeldung_xml(extra_record="<lieblingsfarbe>blau</lieblingsfarbe>"),
            "/gewerbemeldung/satz/anmeldung/{urn:ikdz:gewerbemeldung:1}lieblingsfarbe",
        ),
        (b'<gewerbemeldung xmlns="urn:other"/>', "/"),
        (b'<gewerbemeldung xmlns="urn:ikdz:gewerbemeldung:1"><satz/></gewerbemeldung>', "/gewerbemeldung/satz"),
    ],
)
def test_structure_the_format_does_not_have_is_refused_with_the_element(data: bytes, where: str) -> None:
    with pytest.raises(XmlMappingError) as refused:
        _read(data)
    assert [problem.path for problem in refused.value.problems] == [where]
    assert all(problem.message and problem.message_de for problem in refused.value.problems)


def test_value_errors_point_back_to_their_elements() -> None:
    payload, paths = read_notice(
        parse_untrusted_xml(anmeldung_xml(born="12.04.1985", extra_person="<beteiligtePerson/>"), max_bytes=65536)
    )
    with pytest.raises(ValidationError) as error:
        parse_payload(payload)
    located = {paths.element_path(".".join(map(str, e["loc"]))) for e in error.value.errors()}

    assert "/gewerbemeldung/satz/anmeldung/beteiligtePerson[1]/geburtsdatum" in located
    assert "/gewerbemeldung/satz/anmeldung/beteiligtePerson[2]/familienname" in located
    assert "/gewerbemeldung/satz/anmeldung/beteiligtePerson[2]/anschrift" in located
