"""Generate and check the contract files checked in under ``contracts/``.

    uv run python -m ikdz_contracts.export            # write schemas/*.json and asyncapi.json
    uv run python -m ikdz_contracts.export --check    # exit 1 if they differ from the models
    uv run python -m ikdz_contracts.export --check --baseline-ref origin/main

Writing refuses to overwrite a published schema with an incompatible one (see
:mod:`ikdz_contracts.compat`) unless ``--accept-breaking`` is given; ``--check`` also reports such
changes, against the checked-in files and, with ``--baseline-ref``, against a git revision.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ikdz_contracts.asyncapi import asyncapi_document
from ikdz_contracts.cloudevents import EventData
from ikdz_contracts.compat import breaking_changes
from ikdz_contracts.events import ALL_EVENTS, DOMAIN_EVENTS
from ikdz_contracts.payloads import PAYLOAD_MODELS
from ikdz_contracts.schema import event_json_schema, payload_json_schema, render_json
from ikdz_contracts.topics import DEFAULT_PREFIX

__all__ = [
    "ASYNCAPI_FILE",
    "CONTRACTS_DIR",
    "REGENERATE_COMMAND",
    "asyncapi_document",
    "current_schemas",
    "drift",
    "event_json_schema",
    "generated_files",
    "main",
    "payload_schema_file",
    "published_schemas",
    "schema_file",
]

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
"""``contracts/`` of the source tree this module was loaded from (editable install)."""
SCHEMA_DIR = "schemas"
ASYNCAPI_FILE = "asyncapi.json"
REGENERATE_COMMAND = "uv run python -m ikdz_contracts.export"


def schema_file(event_cls: type[EventData]) -> str:
    """Path of an event's schema, relative to ``contracts/``: ``schemas/<EVENT_TYPE>.json``."""
    return f"{SCHEMA_DIR}/{event_cls.EVENT_TYPE}.json"


def payload_schema_file(service: str) -> str:
    """Path of a service payload's schema, relative to ``contracts/``: ``schemas/payloads/<service>.json``."""
    return f"{SCHEMA_DIR}/payloads/{service}.json"


def current_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every event model, keyed by event type."""
    return {event_cls.EVENT_TYPE: event_json_schema(event_cls) for event_cls in (*ALL_EVENTS, *DOMAIN_EVENTS)}


def generated_files(prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    """Every generated file's text, keyed by its path relative to ``contracts/``."""
    files = {
        schema_file(event_cls): render_json(event_json_schema(event_cls)) for event_cls in (*ALL_EVENTS, *DOMAIN_EVENTS)
    }
    for service, model in PAYLOAD_MODELS.items():
        files[payload_schema_file(service.value)] = render_json(payload_json_schema(service.value, model))
    files[ASYNCAPI_FILE] = render_json(asyncapi_document(prefix))
    return files


def drift(directory: Path = CONTRACTS_DIR) -> list[str]:
    """Generated files that are missing in ``directory`` or differ from the checked-in copy."""
    problems = []
    for name, text in sorted(generated_files().items()):
        path = directory / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{name} differs from what the models generate")
    return problems


def published_schemas(directory: Path = CONTRACTS_DIR) -> dict[str, dict[str, Any]]:
    """The checked-in schemas, keyed by event type (the file name without ``.json``)."""
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((directory / SCHEMA_DIR).glob("*.json"))
    }


def _git_schemas(ref: str, directory: Path) -> dict[str, dict[str, Any]]:
    git = shutil.which("git")
    if git is None:
        msg = "git is not on PATH"
        raise RuntimeError(msg)

    def run(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed git sub-commands, ref comes from the caller's CLI
            [git, *args], cwd=directory, check=True, capture_output=True, text=True
        ).stdout

    names = run("ls-tree", "--name-only", ref, "--", f"{SCHEMA_DIR}/").split()
    return {
        Path(name).name.removesuffix(".json"): json.loads(run("show", f"{ref}:./{name}"))
        for name in names
        if name.endswith(".json")
    }


def _write(directory: Path, *, accept_breaking: bool) -> int:
    breaking = breaking_changes(published_schemas(directory), current_schemas())
    if breaking and not accept_breaking:
        sys.stderr.write(
            "Refusing to overwrite published schemas with incompatible ones:\n"
            + "".join(f"  {line}\n" for line in breaking)
            + "Add a new major version (new event type and topic) instead, or pass --accept-breaking "
            "if this version was never published.\n"
        )
        return 1
    for name, text in generated_files().items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            sys.stdout.write(f"wrote {path}\n")
    return 0


def _check(directory: Path, baseline_ref: str | None) -> int:
    problems = drift(directory)
    breaking = breaking_changes(published_schemas(directory), current_schemas())
    if baseline_ref is not None:
        breaking += [
            f"against {baseline_ref}: {line}"
            for line in breaking_changes(_git_schemas(baseline_ref, directory), current_schemas())
        ]
    if problems:
        sys.stderr.write(
            "Generated contract files are out of date:\n"
            + "".join(f"  {line}\n" for line in problems)
            + f"Run `{REGENERATE_COMMAND}` and commit the result.\n"
        )
    if breaking:
        sys.stderr.write(
            "Incompatible changes to published event schemas:\n"
            + "".join(f"  {line}\n" for line in breaking)
            + "A published major version only gains optional fields; add a new major version instead.\n"
        )
    if problems or breaking:
        return 1
    sys.stdout.write("contract files are current and compatible\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m ikdz_contracts.export", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on any difference")
    parser.add_argument(
        "--dir", type=Path, default=CONTRACTS_DIR, help="the contracts/ directory (default: %(default)s)"
    )
    parser.add_argument("--accept-breaking", action="store_true", help="overwrite incompatible published schemas")
    parser.add_argument("--baseline-ref", help="with --check: also compare against the schemas at this git revision")
    args = parser.parse_args(argv)
    directory: Path = args.dir
    if not (directory / "pyproject.toml").is_file():
        parser.error(f"{directory} is not the contracts/ directory; pass --dir")
    if args.check:
        return _check(directory, args.baseline_ref)
    return _write(directory, accept_breaking=args.accept_breaking)


if __name__ == "__main__":
    raise SystemExit(main())
