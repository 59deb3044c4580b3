"""Human tasks: requested by a domain service, completed through routing's worklists."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ikdz_contracts.cloudevents import AGS_PATTERN, PERSONAL, EventData
from ikdz_contracts.services import ServiceId
from ikdz_contracts.topics import POOL_ID_PATTERN


class TaskOutcome(BaseModel):
    """One decision a clerk may take."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    label_de: str


class FourEyes(BaseModel):
    """Four-eyes constraint: none of these actors may complete the task."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    excluded_actors: list[str] = Field(min_length=1, description="Pseudonymous staff ids.", json_schema_extra=PERSONAL)
    reason: str


class TaskRequested(EventData):
    """A domain service needs a human decision."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.task.requested.v1"
    TOPIC: ClassVar[str] = "task.requested.v1"
    PUBLIC: ClassVar[bool] = False

    task_id: str
    case_id: str
    service: ServiceId
    owner_ags: str = Field(pattern=AGS_PATTERN)
    pool_id: str = Field(pattern=POOL_ID_PATTERN, description="The pool processing the case.")
    kind: str = Field(pattern=r"^[a-z][a-z0-9_.]{0,62}$")
    title_de: str
    instructions_de: str
    required_skills: list[str] = Field(default_factory=list)
    due_at: AwareDatetime | None = None
    legal_deadline: date | None = None
    four_eyes: FourEyes | None = None
    outcomes: list[TaskOutcome] = Field(min_length=1)
    context: dict[str, Any] = Field(
        default_factory=dict,
        description="What the clerk needs to decide; no more personal data than needed.",
        json_schema_extra=PERSONAL,
    )


class TaskCompleted(EventData):
    """A clerk decided a task."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.task.completed.v1"
    TOPIC: ClassVar[str] = "task.completed.v1"
    PUBLIC: ClassVar[bool] = False

    task_id: str
    case_id: str
    service: ServiceId
    kind: str
    outcome: str
    reason: str = Field(min_length=1)
    completed_by: str = Field(description="Pseudonymous staff id.", json_schema_extra=PERSONAL)
    acting_ags: str = Field(pattern=AGS_PATTERN)
    completed_at: AwareDatetime
