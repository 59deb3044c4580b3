"""Errors of the local infrastructure: a missing tool, a failed build, a server that did not come up."""

from __future__ import annotations


class LocalInfraError(RuntimeError):
    """Base of everything the local Kafka/FerretDB tooling raises."""


class MissingToolError(LocalInfraError):
    """A required program (java, mvn, go) is not installed or not on PATH."""


class BuildError(LocalInfraError):
    """Resolving the Kafka jars or building the FerretDB binary failed."""


class StartupError(LocalInfraError):
    """A server exited early or did not become ready in time."""


class PortInUseError(LocalInfraError):
    """A configured port is already taken by another process."""
