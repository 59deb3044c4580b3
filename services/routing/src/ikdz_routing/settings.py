"""Routing settings (env prefix ``ROUTING_``)."""

from __future__ import annotations

from pathlib import Path

from ikdz_platform.auth.settings import AuthSettings
from ikdz_platform.settings import PlatformSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ikdz_routing.adapters.config_file import PILOT_CONFIG


class RoutingSettings(PlatformSettings, AuthSettings):
    """Routing reads the shared settings and the staff-token settings (its worklists need clerks)."""

    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore", frozen=True, validate_by_name=True)

    config_file: Path = Field(
        default=PILOT_CONFIG, description="YAML file with pools and cooperation agreements (see config/pilot.yaml)."
    )
    config_poll_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often the configuration file is checked for changes and newer stored versions are adopted.",
    )
    deadline_check_seconds: float = Field(
        default=300.0, gt=0, description="How often open tasks and cases are checked against their deadlines."
    )
    backlog_recount_seconds: float = Field(
        default=60.0,
        gt=0,
        description=(
            "How often routing recounts each pool's open cases in the store; in between it keeps the counts in "
            "memory, exact for its own routings and closings. Other replicas' show up at the next recount."
        ),
    )
    route_write_chunk: int = Field(
        default=500,
        ge=1,
        description=(
            "Cases of a consumed batch (at most 500) written to the store at once. With less, the next chunk is "
            "decided while the previous one is written, which can help a single replica; each chunk costs its "
            "own store round trips and outbox send."
        ),
    )
