"""Leitweg-ID syntax and ISO 7064 MOD 97-10 check digits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ikdz_einvoice.domain.errors import InvalidLeitwegIdError
from ikdz_einvoice.domain.leitweg import LeitwegId, check_digits, is_valid_leitweg_id, parse_leitweg_id


def reference_check_digits(body: str) -> str:
    """ISO 7064 MOD 97-10 computed piecewise (as written in the standard), independent of the code under test."""
    remainder = 0
    for char in body.upper() + "00":
        for digit in str(int(char, 36)):
            remainder = (remainder * 10 + int(digit)) % 97
    return f"{98 - remainder:02d}"


@pytest.mark.parametrize(
    "leitweg_id",
    [
        "04011000-1234512345-06",  # published examples, checked by hand in the XRechnung reference
        "992-90009-96",
        "09564000-NUE0001-49",
        "04011000-900X999-08",
        "991-33333TEST-33",
        "14729410-24",  # Wurzen, no fine part
        "14729410-BAU-48",  # Wurzen, Bauamt
        "14729410-KAEMMEREI-20",
        "14522020-36",  # Augustusburg
        "14729410-bau-48",  # letters count the same in lower case
        " 14729410-24 ",  # surrounding blanks are ignored
    ],
)
def test_valid_leitweg_ids(leitweg_id: str) -> None:
    parsed = parse_leitweg_id(leitweg_id)
    assert str(parsed) == leitweg_id.strip()
    assert is_valid_leitweg_id(leitweg_id)


@pytest.mark.parametrize(
    ("leitweg_id", "problem"),
    [
        ("14729410-25", "check digits 25 are wrong"),
        ("14729410-BAU-47", "expected 48"),
        ("04011000-12345-34", "expected 03"),  # the test suite's dummy Leitweg-ID
        ("992-90009-69", "check digits"),
        ("1472941-24", "7 digits"),  # a coarse part length the hierarchy does not allow
        ("1-24", "expected coarse part"),
        ("1234567890123-24", "expected coarse part"),  # 13 digits
        ("14729410", "expected coarse part"),  # no check digits
        ("14729410-2", "expected coarse part"),  # one check digit
        ("14729410-BAU-4X", "expected coarse part"),
        ("14729410-BAU_1-48", "expected coarse part"),
        ("14729410-BÄU-48", "expected coarse part"),
        ("14729410--48", "expected coarse part"),
        ("14729410-" + "A" * 31 + "-00", "expected coarse part"),  # fine part over 30
        ("A4729410-24", "expected coarse part"),
        ("", "expected coarse part"),
        ("123456789012-" + "A" * 31 + "-00", "longer than 46"),
        ("123456789012-" + "A" * 30 + "-00", "expected 71"),  # 46 characters: the longest possible
    ],
)
def test_invalid_leitweg_ids(leitweg_id: str, problem: str) -> None:
    with pytest.raises(InvalidLeitwegIdError) as caught:
        parse_leitweg_id(leitweg_id)
    assert problem in caught.value.problem
    assert not is_valid_leitweg_id(leitweg_id)


def test_check_digits_for_the_pilot_towns() -> None:
    assert check_digits("14729410") == "24"
    assert check_digits("14729410", "BAU") == "48"
    assert check_digits("14522020") == "36"
    assert str(LeitwegId.build("14729410", "BAU")) == "14729410-BAU-48"
    assert str(LeitwegId.build("14729410")) == "14729410-24"


coarse_parts = st.sampled_from([2, 3, 5, 8, 9, 12]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
)
fine_parts = st.none() | st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=30
)


@settings(deadline=None)
@given(coarse_parts, fine_parts)
def test_built_ids_parse_and_agree_with_the_standard(coarse: str, fine: str | None) -> None:
    built = LeitwegId.build(coarse, fine)
    assert parse_leitweg_id(str(built)) == built
    assert built.check == reference_check_digits(coarse + (fine or ""))


@settings(deadline=None)
@given(coarse_parts, fine_parts, st.data())
def test_any_single_character_change_is_detected(coarse: str, fine: str | None, data: st.DataObject) -> None:
    """MOD 97-10 detects every single substitution, in the body and in the check digits."""
    leitweg_id = str(LeitwegId.build(coarse, fine))
    positions = [i for i, char in enumerate(leitweg_id) if char.isdigit()]
    position = data.draw(st.sampled_from(positions))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != leitweg_id[position]]))
    changed = leitweg_id[:position] + replacement + leitweg_id[position + 1 :]
    assert not is_valid_leitweg_id(changed)
