"""What a client submits. Strict: unknown fields, wrong types and oversized values are refused."""

from __future__ import annotations

from typing import Any, Literal

from ikdz_contracts.cloudevents import AGS_PATTERN
from ikdz_contracts.events import Applicant
from ikdz_contracts.services import ServiceId
from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_PAYLOAD_KEYS = 200


class CaseSubmission(BaseModel):
    """A new case for one of the center's services, filed with the town that is responsible for it."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    service: ServiceId = Field(description="The service the case is for.")
    owner_ags: str = Field(
        pattern=AGS_PATTERN, description="Official municipality key (AGS) of the responsible town, 8 digits."
    )
    applicant: Applicant
    payload: dict[str, Any] = Field(
        default_factory=dict, description="Service-specific application data; the services define its schema."
    )
    channel: Literal["web", "api", "import"] = "api"

    @field_validator("payload")
    @classmethod
    def _bounded_payload(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > MAX_PAYLOAD_KEYS:
            msg = f"at most {MAX_PAYLOAD_KEYS} top-level fields"
            raise ValueError(msg)
        return value
