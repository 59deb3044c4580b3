"""pytest plugin (entry point ``pytest11: ikdz``): shared infrastructure fixtures for every test directory.

Nothing is started unless a test asks for ``infra`` (directly or through ``mongo_db_name``), so unit
tests stay fast and need no Java or Go. When a collected test needs the local infrastructure, the
Kafka jars and the FerretDB binary are fetched/built once at the end of collection, before any
per-test timeout runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from ikdz_platform.testing.infra import Infra, prepare_local_infra, provide_infra, resolve_source
from ikdz_platform.testing.naming import unique_database_name, unique_topic_prefix

_INFRA_FIXTURES = frozenset({"infra", "mongo_db_name"})


def pytest_configure(config: pytest.Config) -> None:
    _keep_stdlib_platform_module(config.rootpath)


def _keep_stdlib_platform_module(rootpath: Path) -> None:
    """Stop pytest's importlib mode from replacing the stdlib ``platform`` module.

    Test files under ``<repo>/platform/`` get module names ``platform.tests....``; to import them,
    pytest re-imports a parent module that has no ``__path__`` as a namespace package, so
    ``sys.modules["platform"]`` became the repo directory and a later ``import platform`` (hypothesis
    does one at session end) failed. Giving the stdlib module a ``__path__`` lets pytest use it as
    the parent instead; the stdlib functions stay intact.
    """
    package_dir = rootpath / "platform"
    if not package_dir.is_dir():
        return
    import platform as stdlib_platform  # noqa: PLC0415

    if not hasattr(stdlib_platform, "__path__"):
        stdlib_platform.__path__ = [str(package_dir)]


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    needs_infra = any(_INFRA_FIXTURES.intersection(getattr(item, "fixturenames", ())) for item in session.items)
    if needs_infra and resolve_source() == "local":
        prepare_local_infra()


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    """Kafka and a MongoDB-protocol store for the whole session: from env vars, Docker or local processes.

    Yields :class:`~ikdz_platform.testing.infra.Infra` with ``kafka_bootstrap_servers``,
    ``mongodb_uri``, ``source`` and ``env()``; local servers (``infra.kafka``, ``infra.ferretdb``)
    keep their data and logs under pytest's temporary directory and are stopped at session end.
    """
    with provide_infra(tmp_path_factory.mktemp("infra")) as provided:
        yield provided


@pytest.fixture
def mongo_db_name(infra: Infra) -> Iterator[str]:
    """A fresh database name for one test; the database is dropped afterwards."""
    from pymongo import MongoClient  # noqa: PLC0415 - only tests that use the store pay for the import
    from pymongo.errors import PyMongoError  # noqa: PLC0415

    name = unique_database_name()
    yield name
    client: MongoClient[dict[str, object]] = MongoClient(infra.mongodb_uri, serverSelectionTimeoutMS=5000)
    with contextlib.suppress(PyMongoError):
        client.drop_database(name)
    client.close()


@pytest.fixture
def topic_prefix() -> str:
    """A unique topic prefix like ``t3f9c2a1b7d.`` (pass it as ``IKDZ_TOPIC_PREFIX``)."""
    return unique_topic_prefix()
