"""Demo staff of the pilot towns, for the dev issuer, the dev login page and the token CLI (data in
``demo_staff.yaml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ikdz_platform.auth.principal import Ags, PoolId, Role

__all__ = ["DEMO_STAFF_FILE", "DemoStaff", "demo_staff", "find_demo_staff"]

DEMO_STAFF_FILE = Path(__file__).resolve().parent / "demo_staff.yaml"


class DemoStaff(BaseModel):
    """A fictitious member of staff the dev issuer can sign tokens for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    name: str = Field(min_length=1)
    description: str = Field(min_length=1, description="German; shown on the dev login page.")
    towns: tuple[Ags, ...]
    pools: tuple[PoolId, ...]
    roles: tuple[Role, ...] = Field(min_length=1)


@cache
def demo_staff() -> tuple[DemoStaff, ...]:
    """The demo staff, in file order (subjects are unique)."""
    staff = TypeAdapter(tuple[DemoStaff, ...]).validate_python(yaml.safe_load(DEMO_STAFF_FILE.read_text("utf-8")))
    subjects = [member.subject for member in staff]
    if len(set(subjects)) != len(subjects):
        raise ValueError(f"{DEMO_STAFF_FILE}: duplicate subjects")
    return staff


def find_demo_staff(subject: str) -> DemoStaff | None:
    return next((member for member in demo_staff() if member.subject == subject), None)
