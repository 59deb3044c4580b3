"""The head of a case's audit chain, stored as the canonical text that was hashed."""

from __future__ import annotations

from ikdz_routing.domain.audit import GENESIS, broken_links, chained, head_record, record_hash, sealed_head

DECISION = {"action": "routed", "pool_id": "augustusburg", "decision": {"reasons": ["kürzeste Wartezeit"], "wait": 0.5}}


def test_a_sealed_head_is_the_hash_of_its_record_and_reads_back_as_it() -> None:
    text, digest = sealed_head(DECISION)

    assert digest == record_hash(GENESIS, DECISION)
    assert head_record(text) == DECISION
    assert record_hash(GENESIS, head_record(text)) == digest


def test_a_head_stored_as_a_document_by_an_older_version_reads_the_same() -> None:
    assert head_record(DECISION) == DECISION


def test_changing_the_stored_text_breaks_the_hash() -> None:
    text, digest = sealed_head(DECISION)
    forged = text.replace("augustusburg", "wurzen")

    assert record_hash(GENESIS, head_record(forged)) != digest


def test_records_chain_from_the_sealed_head() -> None:
    _, digest = sealed_head(DECISION)
    first = chained(digest, {"action": "claimed", "actor": "anna"})
    second = chained(first["hash"], {"action": "completed", "actor": "anna"})

    assert broken_links(digest, [first, second]) == []
    assert broken_links(digest, [second, first]) != []
