"""Run the whole IKDZ system on this machine: FerretDB, Kafka and the five services as processes.

``python -m ikdz_platform.stack`` (or ``bin/run``) keeps its data in ``./.run/data`` and stops
everything cleanly on Ctrl-C or SIGTERM. e2e tests and bench scripts use :class:`Stack` and
:class:`ServiceProcess` to start the real services and to kill or restart single ones.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType, TracebackType
from typing import Self

import httpx

from ikdz_platform.localinfra import (
    LocalFerretDB,
    LocalInfraError,
    LocalKafka,
    PortInUseError,
    StartupError,
    ensure_ferretdb_binary,
    ensure_kafka_libs,
)
from ikdz_platform.localinfra.ports import LOOPBACK, free_port, port_is_free
from ikdz_platform.localinfra.process import ManagedProcess

DEFAULT_PORTS: Mapping[str, int] = {
    "intake": 8000,
    "routing": 8001,
    "trade_registration": 8002,
    "einvoice": 8003,
    "traffic_orders": 8004,
}
_STACK_MARKER = ".ikdz-stack"


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one ASGI service: ``uvicorn --factory <app>`` on 127.0.0.1:<port> (0: a free port)."""

    name: str
    app: str
    port: int = 0
    factory: bool = True
    app_dir: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    port_env: str | None = None


STAFF_APIS = frozenset({"routing", "trade_registration", "einvoice"})
"""Services with a staff API (OIDC bearer tokens)."""


def default_services(environ: Mapping[str, str] | None = None) -> list[ServiceSpec]:
    """The five IKDZ services, ``ikdz_<name>.bootstrap:create_app``, ports from ``<NAME>_PORT`` (8000-8004).

    This runner is for development: unless an OIDC issuer is configured, routing signs in staff
    with the local dev issuer (demo staff at ``/dev-login``), and trade-registration's document API
    and einvoice's payment exports and clerk pages accept its tokens.
    """
    environ = os.environ if environ is None else environ
    dev_auth = {} if environ.get("IKDZ_OIDC_ISSUER") else {"IKDZ_DEV_ISSUER": environ.get("IKDZ_DEV_ISSUER", "true")}
    specs = []
    for name, default_port in DEFAULT_PORTS.items():
        port_env = f"{name.upper()}_PORT"
        port = int(environ.get(port_env, default_port))
        env = dev_auth if name in STAFF_APIS else {}
        specs.append(ServiceSpec(name, f"ikdz_{name}.bootstrap:create_app", port, env=env, port_env=port_env))
    return specs


class ServiceProcess:
    """One service under uvicorn; its port is fixed at construction so restarts keep the URL."""

    def __init__(
        self,
        spec: ServiceSpec,
        *,
        env: Mapping[str, str],
        log_dir: Path,
        cwd: Path | None = None,
        python: str = sys.executable,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.port = spec.port or free_port()
        argv = [python, "-m", "uvicorn", spec.app, "--host", LOOPBACK, "--port", str(self.port)]
        argv += ["--timeout-graceful-shutdown", "10"]
        if spec.factory:
            argv.append("--factory")
        if spec.app_dir is not None:
            argv += ["--app-dir", str(spec.app_dir)]
        # <NAME>_PUBLIC_BASE_URL (e.g. INTAKE_PUBLIC_BASE_URL) lets a service build links to itself on
        # the port it really got; an explicit setting in the environment wins.
        public_url = {f"{spec.name.upper()}_PUBLIC_BASE_URL": self.base_url}
        full_env = {**public_url, **os.environ, **env, **spec.env, "PYTHONUNBUFFERED": "1"}
        self._process = ManagedProcess(spec.name, argv, log_path=log_dir / f"{spec.name}.log", env=full_env, cwd=cwd)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self._process.log_path

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.running

    @property
    def returncode(self) -> int | None:
        return self._process.returncode

    def start(self) -> None:
        """Spawn the process; :meth:`wait_ready` waits for ``/readyz``."""
        self._process.start()

    def is_ready(self) -> bool:
        try:
            # trust_env=False: a proxy from the environment must not see loopback health checks.
            with httpx.Client(trust_env=False, timeout=2.0) as client:
                return client.get(f"{self.base_url}/readyz").status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Poll ``GET /readyz`` until it answers 200; :class:`StartupError` if the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while not self.is_ready():
            self._process.ensure_alive()
            if time.monotonic() > deadline:
                msg = f"{self.name} not ready after {timeout:.0f} s; last log lines:\n{self._process.log_tail()}"
                raise StartupError(msg)
            time.sleep(0.2)

    def terminate(self) -> None:
        """Send SIGTERM without waiting (``stop`` waits)."""
        self._process.signal(signal.SIGTERM)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then SIGKILL after *timeout* seconds; returns the exit code."""
        return self._process.stop(timeout)

    def kill(self) -> int | None:
        """SIGKILL, as a crash would."""
        return self._process.kill()

    def restart(self, *, ready_timeout: float = 120.0, hard: bool = False) -> None:
        """Stop (or with *hard* kill) the service, start it again on the same port and wait until ready."""
        if hard:
            self.kill()
        else:
            self.stop()
        self.start()
        self.wait_ready(ready_timeout)


class Stack:
    """FerretDB + Kafka (unless *kafka_bootstrap_servers* and *mongodb_uri* are given) + services.

    Ports 0 pick free ports. Data and logs live under *data_dir* (``kafka/``, ``ferretdb/``, ``logs/``).
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        services: Sequence[ServiceSpec] | None = None,
        kafka_port: int = 0,
        kafka_controller_port: int = 0,
        mongodb_port: int = 0,
        kafka_bootstrap_servers: str | None = None,
        mongodb_uri: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.specs = list(default_services() if services is None else services)
        self.kafka: LocalKafka | None = None
        self.ferretdb: LocalFerretDB | None = None
        if kafka_bootstrap_servers is None:
            self.kafka = LocalKafka(self.data_dir / "kafka", kafka_port, kafka_controller_port)
        if mongodb_uri is None:
            self.ferretdb = LocalFerretDB(self.data_dir / "ferretdb", mongodb_port)
        self._bootstrap = kafka_bootstrap_servers
        self._uri = mongodb_uri
        self.extra_env = dict(extra_env or {})
        self.cwd = cwd
        self.services: dict[str, ServiceProcess] = {}

    @property
    def kafka_bootstrap_servers(self) -> str:
        return self.kafka.bootstrap_servers if self.kafka is not None else str(self._bootstrap)

    @property
    def mongodb_uri(self) -> str:
        return self.ferretdb.uri if self.ferretdb is not None else str(self._uri)

    def env(self) -> dict[str, str]:
        """What every service process gets on top of the inherited environment."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "MONGODB_URI": self.mongodb_uri,
            **self.extra_env,
        }

    def service(self, name: str) -> ServiceProcess:
        return self.services[name]

    def check_ports(self) -> None:
        """:class:`PortInUseError` naming the setting to change if a configured port is taken."""
        wanted: list[tuple[int, str]] = []
        if self.kafka is not None:
            wanted += [(self.kafka.port, "KAFKA_PORT"), (self.kafka.controller_port, "KAFKA_CONTROLLER_PORT")]
        if self.ferretdb is not None:
            wanted.append((self.ferretdb.port, "MONGODB_PORT"))
        wanted += [(spec.port, spec.port_env or f"port of {spec.name}") for spec in self.specs if spec.port]
        for port, setting in wanted:
            if not port_is_free(port):
                msg = f"port {port} on {LOOPBACK} is already in use; stop what uses it or set {setting}=<another port>"
                raise PortInUseError(msg)

    def start_infra(self) -> None:
        """Start FerretDB and Kafka side by side and wait until both serve clients."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / _STACK_MARKER).touch()
        servers = [s for s in (self.ferretdb, self.kafka) if s is not None]
        for server in servers:
            server.spawn()
        for server in servers:
            server.wait_ready()

    def start_services(self, ready_timeout: float = 120.0) -> None:
        """Spawn every service at once, then wait until each answers ``/readyz`` (one shared deadline)."""
        log_dir = self.data_dir / "logs"
        # Ports are fixed first, so every service learns where the others answer
        # (<NAME>_PUBLIC_BASE_URL, e.g. intake fetches documents from trade-registration).
        specs = [spec if spec.port else replace(spec, port=free_port()) for spec in self.specs]
        peers = {
            name: f"http://{LOOPBACK}:{spec.port}"
            for spec in specs
            if (name := f"{spec.name.upper()}_PUBLIC_BASE_URL") not in os.environ  # an explicit setting wins
        }
        env = {**peers, **self.env()}
        for spec in specs:
            process = ServiceProcess(spec, env=env, log_dir=log_dir, cwd=self.cwd)
            self.services[spec.name] = process
            process.start()
        deadline = time.monotonic() + ready_timeout
        for process in self.services.values():
            process.wait_ready(max(deadline - time.monotonic(), 1.0))

    def start(self, ready_timeout: float = 120.0) -> None:
        """Check ports, start the infrastructure, then the services; stops what started if anything fails."""
        self.check_ports()
        try:
            self.start_infra()
            self.start_services(ready_timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Services first (SIGTERM to all, then wait), then Kafka, then FerretDB."""
        for process in self.services.values():
            process.terminate()
        for process in self.services.values():
            process.stop()
        for server in (self.kafka, self.ferretdb):
            if server is not None:
                server.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def describe(self) -> str:
        """The URLs a person needs, one per line."""
        lines = [f"Kafka      {self.kafka_bootstrap_servers}", f"MongoDB    {self.mongodb_uri}"]
        for process in self.services.values():
            url = process.base_url
            if process.name == "intake":
                lines.append(f"citizen page  {url}/")
            lines.append(
                f"{process.name:<18} {url}/docs  {url}/asyncapi.json  {url}/metrics  (log: {process.log_path})"
            )
        return "\n".join(lines)


class _Stopped(BaseException):
    """SIGTERM arrived; unwinds like KeyboardInterrupt does for SIGINT."""


def _raise_stopped(_signum: int, _frame: FrameType | None) -> None:
    raise _Stopped


def wipe_data_dir(data_dir: Path) -> None:
    """Delete *data_dir* if it is empty or was created by a stack (it holds the marker file)."""
    if not data_dir.exists():
        return
    if any(data_dir.iterdir()) and not (data_dir / _STACK_MARKER).exists():
        msg = f"refusing to wipe {data_dir}: it was not created by ikdz_platform.stack"
        raise LocalInfraError(msg)
    shutil.rmtree(data_dir)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ikdz_platform.stack", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".run/data"), help="data and logs (default .run/data)")
    parser.add_argument("--fresh", action="store_true", help="delete the data dir first")
    parser.add_argument("--only", help="comma-separated subset of services, e.g. intake,routing")
    parser.add_argument("--infra-only", action="store_true", help="start only Kafka and FerretDB")
    parser.add_argument("--ready-timeout", type=float, default=120.0, help="seconds to wait for /readyz")
    return parser.parse_args(argv)


def _say(message: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(message + "\n")
    stream.flush()


def _watch(stack: Stack) -> None:
    reported: set[str] = set()
    while True:
        time.sleep(1.0)
        for process in stack.services.values():
            if process.name not in reported and not process.running:
                reported.add(process.name)
                _say(f"!! {process.name} exited with code {process.returncode}; see {process.log_path}")
        for server in (stack.kafka, stack.ferretdb):
            if server is not None and server.name not in reported and not server.running:
                reported.add(server.name)
                _say(f"!! {server.name} exited; see {server.log_path}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    services = [] if args.infra_only else default_services()
    if args.only:
        wanted = {name.strip().replace("-", "_") for name in args.only.split(",") if name.strip()}
        unknown = wanted - {spec.name for spec in services}
        if unknown:
            _say(f"unknown services: {', '.join(sorted(unknown))}", err=True)
            return 2
        services = [spec for spec in services if spec.name in wanted]
    signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        if args.fresh:
            wipe_data_dir(args.data_dir.resolve())
        stack = Stack(
            args.data_dir,
            services=services,
            kafka_port=int(os.environ.get("KAFKA_PORT", "9092")),
            kafka_controller_port=int(os.environ.get("KAFKA_CONTROLLER_PORT", "9093")),
            mongodb_port=int(os.environ.get("MONGODB_PORT", "27017")),
            cwd=Path.cwd(),
        )
        stack.check_ports()
    except LocalInfraError as error:
        _say(f"error: {error}", err=True)
        return 2
    try:
        _say("checking the Kafka jars and the FerretDB binary (a first run downloads and builds them: minutes) …")
        if stack.ferretdb is not None:
            ensure_ferretdb_binary(stack.ferretdb.version)
        if stack.kafka is not None:
            ensure_kafka_libs(stack.kafka.version)
        _say(f"starting FerretDB and Kafka (data in {stack.data_dir}) …")
        stack.start_infra()
        if services:
            _say(f"starting {', '.join(spec.name for spec in services)} …")
            stack.start_services(args.ready_timeout)
        _say(f"\nIKDZ is running:\n{stack.describe()}\n\nCtrl-C stops everything.")
        _watch(stack)
    except (KeyboardInterrupt, _Stopped):
        _say("\nstopping …")
    except LocalInfraError as error:
        _say(f"error: {error}", err=True)
        _stop_quietly(stack)
        return 1
    _stop_quietly(stack)
    _say("stopped.")
    return 0


def _stop_quietly(stack: Stack) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stack.stop()


if __name__ == "__main__":
    sys.exit(main())
