"""Routing's errors."""

from __future__ import annotations


class RoutingError(Exception):
    """Base of routing's errors."""


class ConfigError(RoutingError):
    """The routing configuration is invalid; the message names the file and the field."""


class ConfigVersionConflictError(ConfigError):
    """A configuration's version is already taken, or an older version cannot be put back in force."""
