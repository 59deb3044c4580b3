"""Generates docs/configuration.md from the services' settings classes, so the environment
variable reference cannot drift from the code.

    python -m ikdz_platform.envdoc            # rewrite docs/configuration.md
    python -m ikdz_platform.envdoc --check    # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.settings import PlatformSettings

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
HEADER = """# Configuration

Every service reads its settings from environment variables; the defaults run the whole system on
one machine (`bin/run`). Secrets come only from the environment. This page is generated from the
settings classes by `python -m ikdz_platform.envdoc`; a test fails when it is out of date.
"""


def env_names(cls: type[BaseSettings], name: str, field: FieldInfo) -> list[str]:
    """The variable names a field is read from."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [f"{cls.model_config.get('env_prefix', '')}{name}".upper()]


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: object = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if isinstance(value, SecretStr):
        return "(secret; dev default only)"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, Path) and value.is_absolute():
        return f"{value.name} (shipped with the service)"
    return "" if value is None else str(value)


def _table(cls: type[BaseSettings], *, skip: frozenset[str] = frozenset()) -> list[str]:
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, field in cls.model_fields.items():
        if name in skip:
            continue
        variable = " / ".join(f"`{n}`" for n in env_names(cls, name, field))
        default = _default(field).replace("|", "\\|")
        rows.append(
            f"| {variable} | `{default}` | {field.description or ''} |"
            if default
            else f"| {variable} | | {field.description or ''} |"
        )
    return rows


SHARED = frozenset(PlatformSettings.model_fields)
OTHER = """## Web pages, local infrastructure and tests

| Variable | Default | Meaning |
|---|---|---|
| `IKDZ_CSRF_SECRET` | | Key (at least 32 bytes) that signs form tokens; required in prod, random per process in dev. |
| `IKDZ_WEB_ASSETS_DIR` | | Prepared `node_modules` with `@kern-ux/native`; otherwise npm installs it into the cache dir. |
| `IKDZ_CACHE_DIR` | `$XDG_CACHE_HOME/ikdz` or `~/.cache/ikdz` | Where Kafka jars, the FerretDB binary and web assets are cached. |
| `KAFKA_PORT` / `KAFKA_CONTROLLER_PORT` / `MONGODB_PORT` | `9092` / `9093` / `27017` | Ports of the local Kafka and FerretDB that `bin/run` starts. |
| `INTAKE_PORT` … `TRAFFIC_ORDERS_PORT` | `8000` … `8004` | Ports of the services under `bin/run`. |
| `IKDZ_KAFKA_VERSION` / `IKDZ_FERRETDB_VERSION` / `IKDZ_KAFKA_HEAP` | `4.4.0` / `v1.24.2` / `512m` | Local infrastructure versions and Kafka heap (see deploy/README.md). |
| `IKDZ_KAFKA_JVM_OPTIONS` | (none) | Extra options for the local Kafka JVM, appended last (e.g. `-XX:TieredStopAtLevel=4` for C2; see deploy/README.md). |
| `IKDZ_FERRETDB_SYNCHRONOUS` | `normal` | Local store's SQLite sync mode: `normal` keeps acknowledged writes through a FerretDB crash (MongoDB's default durability), `full` also through an OS crash (see deploy/README.md). |
| `IKDZ_TEST_INFRA` | `auto` | Tests: `env` (use `KAFKA_BOOTSTRAP_SERVERS`/`MONGODB_URI`), `docker` or `local`. |
"""


def render(services: Sequence[tuple[str, type[BaseSettings]]]) -> str:
    lines = [HEADER, "## Shared by every service", "", *_table(PlatformSettings), ""]
    lines += [
        "## Staff authentication (services with staff pages and APIs: routing)",
        "",
        *_table(AuthSettings, skip=SHARED),
        "",
    ]
    for title, cls in services:
        lines += [f"## {title}", "", *_table(cls, skip=SHARED | frozenset(AuthSettings.model_fields)), ""]
    return "\n".join(lines) + "\n" + OTHER


def service_settings() -> list[tuple[str, type[BaseSettings]]]:
    from ikdz_einvoice.settings import Settings as EinvoiceSettings  # noqa: PLC0415 - platform must not import services at module level
    from ikdz_intake.settings import IntakeSettings  # noqa: PLC0415
    from ikdz_routing.settings import RoutingSettings  # noqa: PLC0415
    from ikdz_trade_registration.settings import Settings as TradeSettings  # noqa: PLC0415
    from ikdz_traffic_orders.settings import Settings as TrafficSettings  # noqa: PLC0415

    return [
        ("intake", IntakeSettings),
        ("routing", RoutingSettings),
        ("trade-registration", TradeSettings),
        ("einvoice", EinvoiceSettings),
        ("traffic-orders", TrafficSettings),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ikdz_platform.envdoc")
    parser.add_argument("--check", action="store_true", help="fail if docs/configuration.md is out of date")
    args = parser.parse_args(argv)
    text = render(service_settings())
    if args.check:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run python -m ikdz_platform.envdoc", file=sys.stderr)  # noqa: T201
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
