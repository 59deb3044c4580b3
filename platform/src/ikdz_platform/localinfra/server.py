"""Common life cycle of a local server: prepare, spawn, wait until ready, stop."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Self

from ikdz_platform.localinfra.errors import StartupError
from ikdz_platform.localinfra.process import ManagedProcess


class LocalServer(ABC):
    """A server process with its data and log under one directory.

    ``start()`` = ``spawn()`` + ``wait_ready()``; a context manager starts and stops it.
    """

    name: str = "server"
    ready_timeout: float = 30.0
    stop_timeout: float = 20.0

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir).resolve()
        self._process: ManagedProcess | None = None

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"{self.name}.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @abstractmethod
    def _claim_ports(self) -> None:
        """Make sure the ports are free before spawning: re-pick automatic ones, refuse configured ones."""

    @abstractmethod
    def _prepare(self) -> list[str]:
        """Build or fetch what is needed, write config files, return the argv to run."""

    @abstractmethod
    def _probe(self) -> bool:
        """One quick readiness check; True once the server serves clients."""

    def spawn(self) -> None:
        """Start the process without waiting for it to be ready."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._claim_ports()
        argv = self._prepare()
        self._process = ManagedProcess(self.name, argv, log_path=self.log_path, cwd=self.data_dir)
        self._process.start()

    def wait_ready(self, timeout: float | None = None) -> None:
        """Poll :meth:`_probe` until it succeeds; :class:`StartupError` if the process dies or time runs out."""
        if self._process is None:
            raise RuntimeError(f"{self.name} was not started")
        limit = self.ready_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while True:
            self._process.ensure_alive()
            if self._probe():
                return
            if time.monotonic() > deadline:
                tail = self._process.log_tail()
                self.stop()
                raise StartupError(f"{self.name} was not ready after {limit:.0f} s; last log lines:\n{tail}")
            time.sleep(0.25)

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM, then SIGKILL after *timeout* seconds (default :attr:`stop_timeout`)."""
        if self._process is not None:
            self._process.stop(self.stop_timeout if timeout is None else timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self._process is not None:
            self._process.kill()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
