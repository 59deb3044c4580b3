"""FerretDB v1 with its SQLite backend: a MongoDB-protocol store in one Go binary."""

from __future__ import annotations

import os
from pathlib import Path

from ikdz_platform.localinfra.build import ensure_ferretdb_binary
from ikdz_platform.localinfra.errors import PortInUseError
from ikdz_platform.localinfra.ports import LOOPBACK, free_port, is_listening, port_is_free
from ikdz_platform.localinfra.server import LocalServer


def mongodb_ping(uri: str, *, timeout_ms: int = 2000) -> bool:
    """Whether ``ping`` succeeds against *uri* within *timeout_ms*."""
    from pymongo import MongoClient  # noqa: PLC0415 - keep importing this module cheap
    from pymongo.errors import PyMongoError  # noqa: PLC0415

    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, socketTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True


class LocalFerretDB(LocalServer):
    """FerretDB on 127.0.0.1:*port* (0 picks a free port) storing SQLite files in ``<data_dir>/sqlite``.

    *version* defaults to ``$IKDZ_FERRETDB_VERSION``, else the version ``deploy/ferretdb/go.mod`` pins.
    *synchronous* (SQLite's mode, ``normal`` or ``full``) defaults to ``$IKDZ_FERRETDB_SYNCHRONOUS``, else
    ``normal``: a commit survives a crash of FerretDB, not of the OS, as with MongoDB's default write
    concern; ``full`` syncs every commit (see deploy/README.md).
    """

    name = "ferretdb"
    ready_timeout = 30.0
    stop_timeout = 15.0

    def __init__(
        self,
        data_dir: Path | str,
        port: int = 0,
        *,
        version: str | None = None,
        log_level: str = "warn",
        synchronous: str | None = None,
    ) -> None:
        super().__init__(data_dir)
        self._auto_port = port == 0
        self.port = port or free_port()
        self.version = version or os.environ.get("IKDZ_FERRETDB_VERSION") or None
        self.log_level = log_level
        self.synchronous = synchronous or os.environ.get("IKDZ_FERRETDB_SYNCHRONOUS") or "normal"

    @property
    def uri(self) -> str:
        return f"mongodb://{LOOPBACK}:{self.port}/?directConnection=true"

    def _claim_ports(self) -> None:
        if self._auto_port and not port_is_free(self.port):
            self.port = free_port()
        if not port_is_free(self.port):
            raise PortInUseError(f"ferretdb port {self.port} on {LOOPBACK} is already in use")

    def _prepare(self) -> list[str]:
        binary = ensure_ferretdb_binary(self.version)
        sqlite_dir = self.data_dir / "sqlite"
        sqlite_dir.mkdir(parents=True, exist_ok=True)
        return [
            str(binary),
            "-listen",
            f"{LOOPBACK}:{self.port}",
            "-data-dir",
            str(sqlite_dir),
            "-log-level",
            self.log_level,
            "-synchronous",
            self.synchronous,
        ]

    def _probe(self) -> bool:
        return is_listening(self.port) and mongodb_ping(self.uri)
