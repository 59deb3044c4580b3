"""Local infrastructure without Docker: Apache Kafka from Maven Central jars, FerretDB built with Go.

>>> with LocalFerretDB(tmp / "mongo") as mongo, LocalKafka(tmp / "kafka") as kafka:
...     run(kafka.bootstrap_servers, mongo.uri)

See deploy/README.md for the recipes, versions, caches and environment variables.
"""

from ikdz_platform.localinfra.build import (
    DEFAULT_KAFKA_VERSION,
    ensure_ferretdb_binary,
    ensure_kafka_libs,
    pinned_ferretdb_version,
)
from ikdz_platform.localinfra.errors import (
    BuildError,
    LocalInfraError,
    MissingToolError,
    PortInUseError,
    StartupError,
)
from ikdz_platform.localinfra.ferretdb import LocalFerretDB, mongodb_ping
from ikdz_platform.localinfra.kafka import LocalKafka, kafka_metadata_ok, new_cluster_id
from ikdz_platform.localinfra.paths import cache_dir, deploy_dir, repo_root
from ikdz_platform.localinfra.ports import free_port, port_is_free
from ikdz_platform.localinfra.process import ManagedProcess
from ikdz_platform.localinfra.server import LocalServer

__all__ = [
    "DEFAULT_KAFKA_VERSION",
    "BuildError",
    "LocalFerretDB",
    "LocalInfraError",
    "LocalKafka",
    "LocalServer",
    "ManagedProcess",
    "MissingToolError",
    "PortInUseError",
    "StartupError",
    "cache_dir",
    "deploy_dir",
    "ensure_ferretdb_binary",
    "ensure_kafka_libs",
    "free_port",
    "kafka_metadata_ok",
    "mongodb_ping",
    "new_cluster_id",
    "pinned_ferretdb_version",
    "port_is_free",
    "repo_root",
]
