"""Kafka and a MongoDB-protocol store for tests and benchmarks, from wherever they can be had.

Resolution order (``IKDZ_TEST_INFRA`` forces one: ``env``, ``docker`` or ``local``; default ``auto``):

1. ``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI`` both set: use them, start nothing.
2. A Docker engine answers: ``apache/kafka`` and ``mongo`` containers via testcontainers.
3. Otherwise: :class:`LocalKafka` and :class:`LocalFerretDB` on free loopback ports (DESIGN.md section 5).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from ikdz_platform.localinfra import (
    DEFAULT_KAFKA_VERSION,
    LocalFerretDB,
    LocalKafka,
    StartupError,
    ensure_ferretdb_binary,
    ensure_kafka_libs,
    free_port,
    kafka_metadata_ok,
    mongodb_ping,
)

Source = Literal["env", "docker", "local"]
_MODES = ("auto", "env", "docker", "local")


@dataclass(frozen=True)
class Infra:
    """Where the tests find Kafka and the store; ``kafka``/``ferretdb`` are set when started locally."""

    kafka_bootstrap_servers: str
    mongodb_uri: str
    source: Source
    kafka: LocalKafka | None = field(default=None, compare=False)
    ferretdb: LocalFerretDB | None = field(default=None, compare=False)

    def env(self) -> dict[str, str]:
        """The variables a service process reads to find this infrastructure."""
        return {"KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers, "MONGODB_URI": self.mongodb_uri}


def docker_available(timeout: float = 5.0) -> bool:
    """Whether a Docker engine answers within *timeout* seconds (socket or ``DOCKER_HOST``, then ``docker info``)."""
    host = os.environ.get("DOCKER_HOST", "")
    if not host and not Path("/var/run/docker.sock").exists():
        return False
    docker = shutil.which("docker")
    if docker is None:
        return False
    try:
        result = subprocess.run(  # noqa: S603 - fixed argv
            [docker, "info", "--format", "{{.ServerVersion}}"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def resolve_source(mode: str | None = None) -> Source:
    """Which source :func:`provide_infra` will use (see the module docstring)."""
    mode = (mode or os.environ.get("IKDZ_TEST_INFRA") or "auto").lower()
    if mode not in _MODES:
        raise ValueError(f"IKDZ_TEST_INFRA must be one of {', '.join(_MODES)}, not {mode!r}")
    if mode != "auto":
        return mode  # type: ignore[return-value]
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("MONGODB_URI"):
        return "env"
    return "docker" if docker_available() else "local"


def prepare_local_infra() -> None:
    """Fetch the Kafka jars and build FerretDB now (minutes on a fresh machine, instant when cached)."""
    ensure_ferretdb_binary(os.environ.get("IKDZ_FERRETDB_VERSION") or None)
    ensure_kafka_libs(os.environ.get("IKDZ_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION)


@contextmanager
def _local(data_dir: Path) -> Iterator[Infra]:
    with ExitStack() as stack:
        ferretdb = LocalFerretDB(data_dir / "ferretdb")
        kafka = LocalKafka(data_dir / "kafka")
        # Stop order on exit is the reverse: Kafka first, then FerretDB.
        stack.callback(ferretdb.stop)
        ferretdb.spawn()
        stack.callback(kafka.stop)
        kafka.spawn()
        ferretdb.wait_ready()
        kafka.wait_ready()
        yield Infra(kafka.bootstrap_servers, ferretdb.uri, "local", kafka=kafka, ferretdb=ferretdb)


def _wait(what: str, probe: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise StartupError(f"{what} container not ready after {timeout:.0f} s")
        time.sleep(0.5)


@contextmanager
def _docker() -> Iterator[Infra]:
    from testcontainers.core.container import DockerContainer  # noqa: PLC0415 - a dev-only dependency

    kafka_port, mongo_port = free_port(), free_port()
    kafka_image = os.environ.get("IKDZ_KAFKA_IMAGE", f"apache/kafka:{DEFAULT_KAFKA_VERSION}")
    mongo_image = os.environ.get("IKDZ_MONGO_IMAGE", "mongo:8.0")
    kafka = DockerContainer(kafka_image).with_envs(
        KAFKA_NODE_ID="1",
        KAFKA_PROCESS_ROLES="broker,controller",
        KAFKA_LISTENERS="PLAINTEXT://:9092,CONTROLLER://:9093",
        KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://127.0.0.1:{kafka_port}",
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
        KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR="1",
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR="1",
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
        KAFKA_AUTO_CREATE_TOPICS_ENABLE="false",
    )
    mongo = DockerContainer(mongo_image)
    # docker-py takes (host ip, port) to publish on loopback only; with_bind_ports() accepts no ip.
    cast("dict[str, Any]", kafka.ports)["9092/tcp"] = ("127.0.0.1", kafka_port)
    cast("dict[str, Any]", mongo.ports)["27017/tcp"] = ("127.0.0.1", mongo_port)
    with ExitStack() as stack:
        stack.enter_context(mongo)
        stack.enter_context(kafka)
        bootstrap = f"127.0.0.1:{kafka_port}"
        uri = f"mongodb://127.0.0.1:{mongo_port}/?directConnection=true"
        _wait("mongo", lambda: mongodb_ping(uri), 60)
        _wait("kafka", lambda: kafka_metadata_ok(bootstrap), 120)
        yield Infra(bootstrap, uri, "docker")


@contextmanager
def provide_infra(data_dir: Path, *, mode: str | None = None) -> Iterator[Infra]:
    """Yield an :class:`Infra`; whatever was started for it is stopped when the block ends.

    *data_dir* holds the local servers' data and logs (unused for ``env`` and ``docker``).
    """
    source = resolve_source(mode)
    if source == "env":
        bootstrap, uri = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
        if not (bootstrap and uri):
            raise StartupError("IKDZ_TEST_INFRA=env needs both KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI")
        yield Infra(bootstrap, uri, "env")
    elif source == "docker":
        with _docker() as infra:
            yield infra
    else:
        with _local(data_dir) as infra:
            yield infra
