"""Settings every service shares, read from environment variables (documented in docs/configuration.md).

Services subclass ``PlatformSettings`` with their own ``env_prefix`` for their own fields; the shared
fields keep their unprefixed names through ``validation_alias`` so one set of variables configures a
whole deployment.
"""

from __future__ import annotations

from typing import Literal

from ikdz_contracts.topics import DEFAULT_PREFIX, Topics
from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["dev", "test", "prod"]


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class PlatformSettings(BaseSettings):
    """Connection, topic, logging and delivery settings."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, validate_by_name=True)

    environment: Environment = Field(
        default="dev", validation_alias=_env("IKDZ_ENVIRONMENT"), description="dev, test or prod."
    )
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=_env("KAFKA_BOOTSTRAP_SERVERS"),
        description="Comma-separated Kafka bootstrap servers.",
    )
    mongodb_uri: SecretStr = Field(
        default=SecretStr("mongodb://127.0.0.1:27017/?directConnection=true"),
        validation_alias=_env("MONGODB_URI"),
        description="MongoDB-protocol connection string (may carry credentials, so treated as a secret).",
    )
    mongodb_database: str | None = Field(
        default=None,
        validation_alias=_env("MONGODB_DATABASE"),
        description="Database name; defaults to <MONGODB_DATABASE_PREFIX><service>.",
    )
    mongodb_database_prefix: str = Field(
        default="ikdz_",
        pattern=r"^[A-Za-z0-9_]*$",
        validation_alias=_env("MONGODB_DATABASE_PREFIX"),
        description="Prefix of each service's own database name.",
    )
    topic_prefix: str = Field(
        default=DEFAULT_PREFIX,
        pattern=r"^[a-z0-9._-]*$",
        validation_alias=_env("IKDZ_TOPIC_PREFIX"),
        description="Prefix of every topic name.",
    )
    topic_partitions: int = Field(
        default=6, ge=1, validation_alias=_env("IKDZ_TOPIC_PARTITIONS"), description="Partitions of created topics."
    )
    topic_replication_factor: int = Field(
        default=1,
        ge=1,
        validation_alias=_env("IKDZ_TOPIC_REPLICATION_FACTOR"),
        description="Replication factor of created topics (1 locally, 3 in production).",
    )
    consumer_max_attempts: int = Field(
        default=3,
        ge=1,
        validation_alias=_env("IKDZ_CONSUMER_MAX_ATTEMPTS"),
        description="Attempts per message before it goes to the dead-letter topic.",
    )
    consumer_retry_backoff_seconds: float = Field(
        default=0.2,
        ge=0,
        validation_alias=_env("IKDZ_CONSUMER_RETRY_BACKOFF_SECONDS"),
        description="First retry delay; doubles with every attempt.",
    )
    consumer_commit_interval_seconds: float = Field(
        default=0.1,
        ge=0,
        validation_alias=_env("IKDZ_CONSUMER_COMMIT_INTERVAL_SECONDS"),
        description=(
            "How often a consumer commits the offsets of the records it handled, at most (one request for all of "
            "them); 0 commits after every message or batch. A crash redelivers up to this much (consumers are "
            "idempotent); a graceful stop commits everything."
        ),
    )
    outbox_poll_seconds: float = Field(
        default=5.0,
        gt=0,
        validation_alias=_env("IKDZ_OUTBOX_POLL_SECONDS"),
        description=(
            "How often the outbox relay scans for pending events it was not told about (left by a crash or a "
            "failed send); events it is told about go out at once."
        ),
    )
    outbox_relay_enabled: bool = Field(
        default=True,
        validation_alias=_env("IKDZ_OUTBOX_RELAY_ENABLED"),
        description="Run the outbox relay in this process (turn off to run it in a separate replica).",
    )
    outbox_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        validation_alias=_env("IKDZ_OUTBOX_LEASE_SECONDS"),
        description="How long a relay owns a document it is sending; after that another relay may take over.",
    )
    outbox_window_seconds: float = Field(
        default=1.0,
        ge=0,
        validation_alias=_env("IKDZ_OUTBOX_WINDOW_SECONDS"),
        description=(
            "How long the batches the outbox relay writes to one collection share one batch record (one insert "
            "instead of one per batch; at most half of IKDZ_OUTBOX_LEASE_SECONDS). A failed batch, or a crash, has "
            "the whole window's events of that collection sent again (consumers are idempotent); 0: a record per "
            "batch."
        ),
    )
    log_level: str = Field(default="INFO", validation_alias=_env("IKDZ_LOG_LEVEL"), description="Log level.")
    log_json: bool = Field(
        default=True,
        validation_alias=_env("IKDZ_LOG_JSON"),
        description="JSON log lines (production); false renders for a terminal.",
    )

    @model_validator(mode="after")
    def _no_default_store_in_prod(self) -> PlatformSettings:
        if self.environment == "prod" and "127.0.0.1" in self.mongodb_uri.get_secret_value():
            msg = "MONGODB_URI must be set explicitly in production"
            raise ValueError(msg)
        return self

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    def database_name(self, service: str) -> str:
        return self.mongodb_database or f"{self.mongodb_database_prefix}{service.replace('-', '_')}"
