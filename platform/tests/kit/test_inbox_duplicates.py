"""What a duplicate key says about itself, as MongoDB and FerretDB v1 report it."""

from __future__ import annotations

from ikdz_platform.inbox import Duplicate


def test_the_field_comes_from_a_single_field_key_pattern() -> None:
    assert Duplicate("E11000", {"file_number": 1}).field == "file_number"


def test_no_field_when_the_store_does_not_name_it_or_the_index_has_several() -> None:
    assert Duplicate("E11000 duplicate key error collection: db.cases").field is None  # FerretDB v1
    assert Duplicate("E11000", {"town": 1, "number": 1}).field is None
