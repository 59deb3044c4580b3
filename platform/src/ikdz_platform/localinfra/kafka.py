"""A single-node Apache Kafka (KRaft, broker + controller) run from the Maven Central jars."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shlex
import shutil
import subprocess
import threading
import uuid
from pathlib import Path
from string import Template

from ikdz_platform.localinfra.build import DEFAULT_KAFKA_VERSION, ensure_kafka_libs, find_tool
from ikdz_platform.localinfra.errors import PortInUseError, StartupError
from ikdz_platform.localinfra.paths import deploy_dir
from ikdz_platform.localinfra.ports import LOOPBACK, free_port, is_listening, port_is_free
from ikdz_platform.localinfra.server import LocalServer

_FORMAT_TIMEOUT = 120.0


def java_executable() -> str:
    """``$JAVA_HOME/bin/java`` if set, else ``java`` on PATH (Java 17 or newer)."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(Path(java_home) / "bin" / "java", os.X_OK):
        return str(Path(java_home) / "bin" / "java")
    return find_tool("java", hint="install a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)")


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID as 22 characters of unpadded base64url.

    Like Kafka's own ``Uuid.randomUuid`` it never starts with ``-``: the storage tool's argument
    parser would take such an id for an option (one start in 64 failed that way).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id


async def _metadata_ok(bootstrap_servers: str) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient  # noqa: PLC0415 - keep importing this module cheap

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=5000, client_id="ikdz-ready")
    try:
        await asyncio.wait_for(admin.start(), 10)
        await asyncio.wait_for(admin.list_topics(), 10)
        cluster = await asyncio.wait_for(admin.describe_cluster(), 10)
        return bool(cluster.get("brokers")) and cluster.get("controller_id", -1) >= 0
    except Exception:  # any failure just means "not ready yet"
        return False
    finally:
        with contextlib.suppress(Exception):  # closing a half-started client may fail; nothing to do
            await admin.close()


def kafka_metadata_ok(bootstrap_servers: str) -> bool:
    """Whether a Kafka admin client can list topics and sees a broker and a controller.

    Runs its own event loop in a helper thread, so it can be called from sync and async code alike.
    """
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(_metadata_ok(bootstrap_servers))), daemon=True)
    thread.start()
    thread.join(40)
    return bool(result and result[0])


class LocalKafka(LocalServer):
    """Kafka *version* (default ``$IKDZ_KAFKA_VERSION`` or 4.4.0) as one combined KRaft node on 127.0.0.1.

    ``port``/``controller_port`` 0 pick free ports when the object is created; they stay fixed across
    restarts. The data dir holds ``server.properties``, the cluster id, the topic data (``kraft/``)
    and the broker's log (``kafka.log``); reusing a data dir keeps the topics.
    """

    name = "kafka"
    ready_timeout = 90.0
    stop_timeout = 30.0

    def __init__(
        self,
        data_dir: Path | str,
        port: int = 0,
        controller_port: int = 0,
        *,
        version: str | None = None,
        heap: str | None = None,
    ) -> None:
        super().__init__(data_dir)
        self._auto_port, self._auto_controller_port = port == 0, controller_port == 0
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        while self.controller_port == self.port:
            self.controller_port = free_port()
        self.version = version or os.environ.get("IKDZ_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION
        self.heap = heap or os.environ.get("IKDZ_KAFKA_HEAP") or "512m"

    @property
    def bootstrap_servers(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "kraft"

    def _claim_ports(self) -> None:
        if self._auto_port and not port_is_free(self.port):
            self.port = free_port()
        if self._auto_controller_port and not port_is_free(self.controller_port):
            self.controller_port = free_port()
        for port, what in ((self.port, "port"), (self.controller_port, "controller port")):
            if not port_is_free(port):
                raise PortInUseError(f"kafka {what} {port} on {LOOPBACK} is already in use")

    def _write_config(self) -> tuple[Path, Path]:
        template = Template((deploy_dir() / "kafka" / "server.properties.template").read_text())
        server_properties = self.data_dir / "server.properties"
        server_properties.write_text(
            template.substitute(port=self.port, controller_port=self.controller_port, log_dir=self.log_dir)
        )
        log4j = self.data_dir / "log4j2.properties"
        shutil.copyfile(deploy_dir() / "kafka" / "log4j2.properties", log4j)
        return server_properties, log4j

    def _cluster_id(self) -> str:
        path = self.data_dir / "cluster-id"
        if not path.is_file():
            path.write_text(new_cluster_id() + "\n")
        return path.read_text().strip()

    def _format(self, java: str, classpath: str, log4j: Path, server_properties: Path) -> None:
        if (self.log_dir / "meta.properties").is_file():
            return  # formatted before; StorageTool would only say so
        log_path = self.data_dir / "kafka-format.log"
        cmd = [
            java,
            "-cp",
            classpath,
            f"-Dlog4j2.configurationFile={log4j}",
            "kafka.tools.StorageTool",
            "format",
            "-t",
            self._cluster_id(),
            "-c",
            str(server_properties),
            "--ignore-formatted",
        ]
        with log_path.open("wb") as log:
            result = subprocess.run(  # noqa: S603 - argv built here
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=_FORMAT_TIMEOUT,
                check=False,
            )
        if result.returncode != 0:
            raise StartupError(f"kafka StorageTool format failed ({result.returncode}):\n{log_path.read_text()}")

    def jvm_options(self) -> list[str]:
        """The broker JVM's options; ``$IKDZ_KAFKA_JVM_OPTIONS`` comes last, so it can override them."""
        return [
            f"-Xmx{self.heap}",
            "-Xms64m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            # C1 only: C2 compiling Kafka's hot paths took more CPU than all requests did in the
            # minutes a local broker, test run or benchmark lasts (docs/benchmarks.md); the C1 code is
            # fast enough for a few thousand messages a second. -XX:TieredStopAtLevel=4 restores C2.
            "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true",
            *shlex.split(os.environ.get("IKDZ_KAFKA_JVM_OPTIONS", "")),
        ]

    def _prepare(self) -> list[str]:
        java = java_executable()
        classpath = f"{ensure_kafka_libs(self.version)}/*"
        server_properties, log4j = self._write_config()
        self._format(java, classpath, log4j, server_properties)
        return [
            java,
            *self.jvm_options(),
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            classpath,
            "kafka.Kafka",
            str(server_properties),
        ]

    def _probe(self) -> bool:
        return is_listening(self.port) and kafka_metadata_ok(self.bootstrap_servers)

    def start(self) -> None:
        """Format (first time), start, and wait until an admin client lists topics (up to 90 s).

        With automatic ports, a port taken between choosing and binding it gets one more try on new ports.
        """
        try:
            super().start()
        except StartupError as error:
            if not ("Address already in use" in str(error) and self._auto_port and self._auto_controller_port):
                raise
            self.port, self.controller_port = free_port(), free_port()
            super().start()
