"""Generated contract files: JSON Schemas per event, the AsyncAPI document, and the drift gate."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ikdz_contracts import testing
from ikdz_contracts.asyncapi import asyncapi_document, channel_addresses, matches_address
from ikdz_contracts.cloudevents import CONTENT_TYPE, EventData, encode
from ikdz_contracts.events import (
    ALL_EVENTS,
    DOMAIN_EVENTS,
    EINVOICE_EVENTS,
    GEWERBE_EVENTS,
    CaseRouted,
    CaseState,
    CaseStatus,
    CaseSubmitted,
    GewerbeRecipientMessage,
    TaskCompleted,
    TaskRequested,
)
from ikdz_contracts.export import (
    ASYNCAPI_FILE,
    REGENERATE_COMMAND,
    event_json_schema,
    generated_files,
    main,
    payload_schema_file,
    schema_file,
)
from ikdz_contracts.payloads import PAYLOAD_MODELS
from ikdz_contracts.schema import personal_data_paths, render_json
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import DlqHeader, Topics, dlq

CONTRACTS = Path(__file__).resolve().parents[1]

SAMPLES: dict[type[EventData], Callable[[], EventData]] = {
    CaseSubmitted: testing.case_submitted,
    CaseRouted: testing.case_routed,
    CaseStatus: testing.case_status,
    TaskRequested: testing.task_requested,
    TaskCompleted: testing.task_completed,
    GewerbeRecipientMessage: testing.gewerbe_recipient_message,
}


# --- the drift gate ----------------------------------------------------------------------------


def test_checked_in_schemas_are_current() -> None:
    stale = [
        name
        for name, text in sorted(generated_files().items())
        if not (CONTRACTS / name).is_file() or (CONTRACTS / name).read_text(encoding="utf-8") != text
    ]

    assert stale == [], f"out of date with the models: {stale}; run `{REGENERATE_COMMAND}` and commit the result"


def test_generated_files_are_stable_text() -> None:
    first = generated_files()

    assert first == generated_files()
    assert set(first) == {schema_file(e) for e in (*ALL_EVENTS, *DOMAIN_EVENTS)} | {ASYNCAPI_FILE} | {
        payload_schema_file(s.value) for s in PAYLOAD_MODELS
    }
    for text in first.values():
        assert text.endswith("}\n")
        assert text == render_json(json.loads(text))  # sorted keys, 2-space indent
        assert '\n  "' in text


def _contracts_copy(tmp_path: Path) -> Path:
    target = tmp_path / "contracts"
    target.mkdir()
    shutil.copy(CONTRACTS / "pyproject.toml", target)
    for name, text in generated_files().items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text, encoding="utf-8")
    return target


def test_check_passes_on_current_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _contracts_copy(tmp_path)

    assert main(["--check", "--dir", str(directory)]) == 0
    assert "current" in capsys.readouterr().out


def test_check_fails_with_instructions_when_a_file_differs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _contracts_copy(tmp_path)
    path = directory / schema_file(CaseStatus)
    path.write_text(path.read_text(encoding="utf-8").replace("Plain German", "Plain"), encoding="utf-8")

    assert main(["--check", "--dir", str(directory)]) == 1
    err = capsys.readouterr().err
    assert "schemas/de.ikdz.case.status.v1.json differs" in err
    assert REGENERATE_COMMAND in err


def test_check_fails_when_a_file_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = _contracts_copy(tmp_path)
    (directory / ASYNCAPI_FILE).unlink()

    assert main(["--check", "--dir", str(directory)]) == 1
    assert "asyncapi.json is missing" in capsys.readouterr().err


def test_export_writes_what_check_expects(tmp_path: Path) -> None:
    directory = tmp_path / "contracts"
    directory.mkdir()
    shutil.copy(CONTRACTS / "pyproject.toml", directory)

    assert main(["--dir", str(directory)]) == 0
    assert main(["--check", "--dir", str(directory)]) == 0


def test_export_refuses_to_overwrite_a_published_schema_incompatibly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _contracts_copy(tmp_path)
    path = directory / schema_file(CaseStatus)
    published = json.loads(path.read_text(encoding="utf-8"))
    published["$defs"]["CaseState"]["enum"].append("withdrawn")
    path.write_text(render_json(published), encoding="utf-8")

    assert main(["--dir", str(directory)]) == 1
    assert 'enum values removed: "withdrawn"' in capsys.readouterr().err
    assert json.loads(path.read_text(encoding="utf-8")) == published  # untouched
    assert main(["--check", "--dir", str(directory)]) == 1

    assert main(["--dir", str(directory), "--accept-breaking"]) == 0
    assert main(["--check", "--dir", str(directory)]) == 0


def test_check_against_a_git_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    directory = _contracts_copy(tmp_path)
    path = directory / schema_file(CaseRouted)
    published = json.loads(path.read_text(encoding="utf-8"))
    published["$defs"]["CaseRouted"]["properties"]["legacy_field"] = {"type": "string"}
    path.write_text(render_json(published), encoding="utf-8")
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.org"]
    for args in (["init", "-q"], ["add", "."], [*identity, "commit", "-q", "-m", "published"]):
        subprocess.run([git, *args], cwd=directory, check=True, capture_output=True)  # noqa: S603
    path.write_text(generated_files()[schema_file(CaseRouted)], encoding="utf-8")  # someone regenerated

    assert main(["--check", "--dir", str(directory)]) == 0
    capsys.readouterr()
    assert main(["--check", "--dir", str(directory), "--baseline-ref", "HEAD"]) == 1
    assert "against HEAD: de.ikdz.case.routed.v1 $.data.legacy_field: property removed" in capsys.readouterr().err


def test_check_refuses_a_directory_that_is_not_contracts(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--check", "--dir", str(tmp_path)])


# --- JSON Schemas ------------------------------------------------------------------------------


@pytest.mark.parametrize("event_cls", ALL_EVENTS, ids=lambda e: e.EVENT_TYPE)
def test_schema_is_valid_2020_12_and_identifies_the_event(event_cls: type[EventData]) -> None:
    schema = event_json_schema(event_cls)

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"urn:ikdz:schema:{event_cls.EVENT_TYPE}"
    assert schema["properties"]["type"]["const"] == event_cls.EVENT_TYPE
    assert schema["x-ikdz-topic"] == event_cls.TOPIC
    assert schema["x-ikdz-visibility"] == ("public" if event_cls.PUBLIC else "internal")


@pytest.mark.parametrize("event_cls", ALL_EVENTS, ids=lambda e: e.EVENT_TYPE)
def test_encoded_events_validate_against_their_schema(event_cls: type[EventData]) -> None:
    schema = event_json_schema(event_cls)
    event = testing.envelope(SAMPLES[event_cls](), processingags=testing.AUGUSTUSBURG_AGS)

    jsonschema.validate(json.loads(encode(event)), schema, cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda v: v.update(type="de.ikdz.case.routed.v1"), "another event's type"),
        (lambda v: v.update(ownerags="1472941"), "short AGS"),
        (lambda v: v["data"].update(state="lost"), "unknown state"),
        (lambda v: v["data"].pop("file_number"), "missing data field"),
        (lambda v: v.pop("subject"), "missing subject"),
    ],
)
def test_schema_rejects_invalid_events(change: Callable[[dict[str, Any]], object], why: str) -> None:
    value = json.loads(encode(testing.envelope(testing.case_status())))
    change(value)

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(value, event_json_schema(CaseStatus), cls=jsonschema.Draft202012Validator)


def test_schema_lets_readers_ignore_unknown_properties() -> None:
    value = json.loads(encode(testing.envelope(testing.case_status())))
    value["newextension"] = "x"
    value["data"]["new_optional_field"] = 1

    jsonschema.validate(value, event_json_schema(CaseStatus), cls=jsonschema.Draft202012Validator)


@settings(deadline=None)  # the first example pays for model and regex compilation; CI machines are shared
@given(
    state=st.sampled_from(CaseState),
    message=st.none() | st.text(max_size=40),
    pool=st.none() | st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}", fullmatch=True),
    number=st.integers(0, 999_999),
)
def test_any_case_status_event_matches_the_published_schema(
    state: CaseState, message: str | None, pool: str | None, number: int
) -> None:
    data = testing.case_status(state=state, message_de=message, pool_id=pool, file_number=f"AUG-ERE-2027-{number:06d}")

    _CASE_STATUS_VALIDATOR.validate(json.loads(encode(testing.envelope(data))))


_CASE_STATUS_VALIDATOR = jsonschema.Draft202012Validator(
    json.loads((CONTRACTS / schema_file(CaseStatus)).read_text(encoding="utf-8"))
)


@pytest.mark.parametrize(
    ("event_cls", "expected"),
    [
        (CaseSubmitted, ["data.applicant", "data.applicant.email", "data.applicant.name", "data.payload"]),
        (CaseRouted, []),
        (CaseStatus, []),
        (TaskRequested, ["data.context", "data.four_eyes.excluded_actors"]),
        (TaskCompleted, ["data.completed_by"]),
    ],
    ids=lambda v: getattr(v, "EVENT_TYPE", None),
)
def test_personal_data_fields_are_marked(event_cls: type[EventData], expected: list[str]) -> None:
    assert personal_data_paths(event_json_schema(event_cls)) == expected


def test_public_events_carry_no_personal_data() -> None:
    for event_cls in ALL_EVENTS:
        if event_cls.PUBLIC:
            assert personal_data_paths(event_json_schema(event_cls)) == [], event_cls


def test_personal_data_marks_survive_in_the_checked_in_files() -> None:
    checked_in = json.loads((CONTRACTS / schema_file(CaseSubmitted)).read_text(encoding="utf-8"))

    assert checked_in["$defs"]["Applicant"]["properties"]["name"]["personal_data"] is True
    assert personal_data_paths(checked_in) == personal_data_paths(event_json_schema(CaseSubmitted))


# --- AsyncAPI ----------------------------------------------------------------------------------


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_asyncapi_document_basics() -> None:
    document = asyncapi_document()

    assert document["asyncapi"] == "3.0.0"
    assert document["defaultContentType"] == CONTENT_TYPE
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert "servers" not in document


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    document = asyncapi_document()
    refs = _refs(document)

    assert refs
    assert all(ref.startswith("#/") for ref in refs)
    for ref in refs:
        assert _resolve(document, ref) is not None, ref


def test_asyncapi_has_a_channel_and_dead_letter_channel_for_every_topic() -> None:
    topics = Topics()
    work = "ikdz.work.{service}.{pool}.v1"

    assert set(channel_addresses(asyncapi_document())) == {
        *topics.shared(),
        *(dlq(t) for t in topics.shared()),
        work,
        dlq(work),
    }


def test_asyncapi_respects_the_prefix() -> None:
    addresses = channel_addresses(asyncapi_document("test-7."))

    assert addresses
    assert all(address.startswith("test-7.") for address in addresses)


@pytest.mark.parametrize("event_cls", ALL_EVENTS, ids=lambda e: e.EVENT_TYPE)
def test_asyncapi_event_channel_carries_the_event_schema(event_cls: type[EventData]) -> None:
    document = asyncapi_document()
    [channel] = [c for c in document["channels"].values() if c["address"] == Topics().of(event_cls)]
    [message_ref] = channel["messages"].values()
    message = _resolve(document, message_ref["$ref"])
    payload = _resolve(document, message["payload"]["$ref"])

    assert message["name"] == event_cls.EVENT_TYPE
    assert message["contentType"] == CONTENT_TYPE
    assert message["bindings"]["kafka"]["key"]["type"] == "string"
    assert _resolve(document, message["headers"]["$ref"])["properties"]["content-type"]["const"] == CONTENT_TYPE
    assert payload["properties"]["type"]["const"] == event_cls.EVENT_TYPE
    assert channel["bindings"]["kafka"]["topic"] == Topics().of(event_cls)
    expected = event_json_schema(event_cls)
    assert set(payload["properties"]) == set(expected["properties"])
    assert payload["required"] == expected["required"]


def test_asyncapi_payloads_keep_personal_data_marks() -> None:
    schemas = asyncapi_document()["components"]["schemas"]

    assert schemas["Applicant"]["properties"]["name"]["personal_data"] is True
    assert schemas["CaseSubmitted"]["properties"]["applicant"]["personal_data"] is True


def test_asyncapi_work_channel_is_parameterised() -> None:
    document = asyncapi_document()
    work = document["channels"]["work"]

    assert work["address"] == "ikdz.work.{service}.{pool}.v1"
    assert work["parameters"]["service"]["enum"] == [s.value for s in ServiceId]
    assert "pool" in work["parameters"]
    assert list(work["messages"]) == ["CaseSubmitted"]
    for service in ServiceId:
        assert matches_address(work["address"], Topics().work(service, "wurzen-gewerbe"))
    assert not matches_address(work["address"], "ikdz.case.submitted.v1")


def test_asyncapi_domain_topics_without_models_have_a_generic_message() -> None:
    document = asyncapi_document()
    for channel_id in ("trafficEvents",):
        channel = document["channels"][channel_id]
        assert list(channel["messages"]) == ["GenericCloudEvent"]
        assert "payload models follow with their services" in channel["description"].lower()


@pytest.mark.parametrize(
    ("channel_id", "models"),
    [("einvoiceEvents", EINVOICE_EVENTS), ("gewerbeEvents", GEWERBE_EVENTS)],
)
def test_asyncapi_domain_topic_lists_each_event_model(channel_id: str, models: tuple[type[EventData], ...]) -> None:
    document = asyncapi_document()
    channel = document["channels"][channel_id]

    assert list(channel["messages"]) == [event_cls.__name__ for event_cls in models]
    for event_cls in models:
        message = _resolve(document, channel["messages"][event_cls.__name__]["$ref"])
        payload = _resolve(document, message["payload"]["$ref"])
        assert payload["properties"]["type"]["const"] == event_cls.EVENT_TYPE
        assert Topics().of(event_cls) == channel["address"]
    send = f"send{channel_id[0].upper()}{channel_id[1:]}"
    assert len(document["operations"][send]["messages"]) == len(models)


def test_asyncapi_documents_the_dead_letter_headers() -> None:
    document = asyncapi_document()
    headers = document["components"]["schemas"]["DeadLetterHeaders"]["properties"]
    channel = document["channels"]["caseSubmittedDlq"]

    assert set(headers) == {h.value for h in DlqHeader}
    assert all(headers[h.value]["description"] for h in DlqHeader)
    assert channel["address"] == "ikdz.case.submitted.v1.dlq"
    assert list(channel["messages"]) == ["DeadLetter"]


def test_asyncapi_operations_use_messages_of_their_channel() -> None:
    document = asyncapi_document()

    assert document["operations"]
    for name, operation in document["operations"].items():
        assert operation["action"] in {"send", "receive"}, name
        channel_ref = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"{channel_ref}/messages/"), name
            assert _resolve(document, message["$ref"]) is not None


def test_asyncapi_component_names_are_valid_keys() -> None:
    components = asyncapi_document()["components"]

    for section in components.values():
        for key in section:
            assert all(ch.isalnum() or ch in "._-" for ch in key), key


def test_asyncapi_names_the_broker_when_asked() -> None:
    document = asyncapi_document(kafka_bootstrap_servers="127.0.0.1:9092, 127.0.0.1:9093")

    assert document["servers"] == {
        "kafka1": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "Kafka bootstrap server."},
        "kafka2": {"host": "127.0.0.1:9093", "protocol": "kafka", "description": "Kafka bootstrap server."},
    }


def test_asyncapi_document_is_fresh_each_call() -> None:
    first = asyncapi_document()
    snapshot = copy.deepcopy(first)
    first["channels"].clear()

    assert asyncapi_document() == snapshot


# --- the catalogue in docs/contracts.md --------------------------------------------------------


def test_docs_catalogue_lists_every_event_topic_and_personal_field() -> None:
    docs = (CONTRACTS.parent / "docs" / "contracts.md").read_text(encoding="utf-8")

    for event_cls in ALL_EVENTS:
        assert f"`{event_cls.EVENT_TYPE}`" in docs, event_cls
        assert event_cls.TOPIC in docs, event_cls
        for path in personal_data_paths(event_json_schema(event_cls)):
            assert f"`{path}`" in docs, f"{event_cls.EVENT_TYPE}: personal field {path} missing in docs/contracts.md"
    for header in DlqHeader:
        assert f"`{header.value}`" in docs
