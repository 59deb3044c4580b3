"""Validation in worker processes gives the same reports as in-process validation."""

from __future__ import annotations

import pytest
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_einvoice.adapters.validator_pool import ProcessPoolValidator
from ikdz_einvoice.domain.validation import Verdict

from .support import CII_STANDARD, UBL_STANDARD, edited, load

pytestmark = pytest.mark.rules


def test_workers_report_what_the_process_reports(validator: XRechnungValidator) -> None:
    documents = [
        load(UBL_STANDARD),
        load(CII_STANDARD),
        edited(UBL_STANDARD, ">288.79</cbc:LineExtensionAmount>", ">288.80</cbc:LineExtensionAmount>"),
    ]
    with ProcessPoolValidator(1) as pool:
        futures = [pool.submit(document) for document in documents]
        reports = [future.result(timeout=100) for future in futures]
    assert [r.verdict for r in reports] == [Verdict.ACCEPTED, Verdict.ACCEPTED, Verdict.REJECTED]
    assert reports == [validator.validate(document) for document in documents]
