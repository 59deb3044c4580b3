"""Routing's errors."""

from __future__ import annotations


class RoutingError(Exception):
    """Base of routing's errors."""


class ConfigError(RoutingError):
    """The routing configuration is invalid; the message names the file and the field."""
