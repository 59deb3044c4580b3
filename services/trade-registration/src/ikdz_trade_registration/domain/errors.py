"""Errors of trade-registration. Business findings are data (violations, tasks); these are for broken setups."""

from __future__ import annotations


class TradeRegistrationError(Exception):
    """Root of the service's errors."""


class ConfigError(TradeRegistrationError):
    """A configuration file is unreadable or invalid; the message names the file and the field."""
