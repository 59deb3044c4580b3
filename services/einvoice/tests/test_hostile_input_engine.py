"""The rule engine behind the XML gate: Saxon refuses DOCTYPEs itself, and hostile input does not disturb it."""

from __future__ import annotations

from pathlib import Path

import pytest
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.domain.document import DEFAULT_MAX_BYTES, parse_document
from ikdz_einvoice.domain.errors import DocumentRefusedError
from ikdz_einvoice.domain.validation import Verdict

from .support import BILLION_LAUGHS, UBL_STANDARD, XXE

pytestmark = pytest.mark.rules


def test_saxon_itself_refuses_any_doctype(validator: XRechnungValidator, tmp_path: Path) -> None:
    """Defence in depth: even a DOCTYPE that reached Saxon would be refused, not expanded."""
    secret = tmp_path / "secret.txt"
    secret.write_text("geheim")
    hostile = f'<!DOCTYPE x [<!ENTITY s SYSTEM "{secret.as_uri()}">]><x>&s;</x>'
    with pytest.raises(Exception, match="DOCTYPE"):
        validator._processor.parse_xml(xml_text=hostile)


def test_the_validator_keeps_serving_after_hostile_input(validator: XRechnungValidator) -> None:
    for data in (XXE, BILLION_LAUGHS, b"%PDF-1.7\n", b"<Invoice", b"x" * (DEFAULT_MAX_BYTES + 1)):
        with pytest.raises(DocumentRefusedError):
            validator.validate(parse_document(data))
    assert validator.validate(parse_document(UBL_STANDARD.read_bytes())).verdict is Verdict.ACCEPTED
