"""Service payloads of ``case.submitted``: the application data as filed, one model per service.

Intake validates a submission's ``payload`` with the model of its service before it stores the case;
the domain service parses the work item with the same model. Services without a model here accept
any JSON object (their schema is not a contract yet).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from ikdz_contracts.payloads import gewerbe
from ikdz_contracts.services import ServiceId

PAYLOAD_MODELS: dict[ServiceId, type[BaseModel]] = {ServiceId.TRADE_REGISTRATION: gewerbe.Gewerbeanzeige}
"""The payload model of each service that has one (the JSON Schemas are generated from these)."""

PAYLOAD_PARSERS: dict[ServiceId, Callable[[Mapping[str, Any]], BaseModel]] = {
    ServiceId.TRADE_REGISTRATION: gewerbe.parse_payload,
}
"""How to validate a decoded payload of each service; raises ``pydantic.ValidationError``."""


def validate_payload(service: ServiceId, payload: Mapping[str, Any]) -> BaseModel | None:
    """The validated payload of ``service``, or None if the service has no payload contract."""
    parser = PAYLOAD_PARSERS.get(service)
    return parser(payload) if parser is not None else None


__all__ = ["PAYLOAD_MODELS", "PAYLOAD_PARSERS", "validate_payload"]
