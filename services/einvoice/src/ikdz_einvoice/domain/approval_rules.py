"""Each town's approval rules: amount thresholds for the release and when straight-through release applies.

Configuration, never code (``adapters/approval_pilot.yaml``). Amounts are the amount due for
payment (BT-115) in the invoice's currency; a town's rules name the one currency they apply to.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Self

from ikdz_contracts.cloudevents import AGS_PATTERN
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class ReleaseLevel(BaseModel):
    """Who may release (Anordnung) invoices up to an amount: the skill the release task asks for."""

    model_config = _FROZEN

    up_to: Decimal | None = Field(description="Highest amount of this level (inclusive); none = no limit.")
    skill: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    label_de: str = Field(min_length=1, description="Who releases, e.g. 'Sachgebietsleitung'.")


class StraightThrough(BaseModel):
    """Release without a human where all conditions hold (marked as automated)."""

    model_config = _FROZEN

    max_amount: Decimal = Field(gt=0)
    known_suppliers: frozenset[str] = Field(
        min_length=1, description="Seller keys (VAT id or seller id, normalised as for duplicates)."
    )
    order_reference_pattern: str = Field(
        min_length=1, description="Regular expression the order reference (BT-13) must match in full."
    )

    @field_validator("order_reference_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            msg = f"not a regular expression: {error}"
            raise ValueError(msg) from None
        return value


class TownApprovalRules(BaseModel):
    model_config = _FROZEN

    ags: str = Field(pattern=AGS_PATTERN)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    release_levels: tuple[ReleaseLevel, ...] = Field(min_length=1)
    straight_through: StraightThrough | None = None

    @model_validator(mode="after")
    def _levels_ascend_to_unlimited(self) -> Self:
        limits = [level.up_to for level in self.release_levels]
        if limits[-1] is not None:
            msg = "the last release level must have no limit (up_to: null)"
            raise ValueError(msg)
        bounded = [limit for limit in limits[:-1] if limit is not None]
        if len(bounded) != len(limits) - 1 or bounded != sorted(set(bounded)):
            msg = "release levels must ascend strictly; only the last has no limit"
            raise ValueError(msg)
        return self

    def release_level(self, amount: Decimal) -> ReleaseLevel:
        """The lowest level whose limit covers ``amount``."""
        return next(level for level in self.release_levels if level.up_to is None or amount <= level.up_to)


DEFAULT_LEVEL = ReleaseLevel(up_to=None, skill="anordnung", label_de="Anordnungsbefugte Person")


class ApprovalRules(BaseModel):
    """All towns' approval rules, versioned so each release names the rules it used."""

    model_config = _FROZEN

    version: str = Field(min_length=1)
    towns: tuple[TownApprovalRules, ...] = ()

    @model_validator(mode="after")
    def _one_entry_per_town(self) -> Self:
        seen = [town.ags for town in self.towns]
        twice = sorted({ags for ags in seen if seen.count(ags) > 1})
        if twice:
            msg = f"towns listed twice: {', '.join(twice)}"
            raise ValueError(msg)
        return self

    def for_town(self, ags: str) -> TownApprovalRules:
        """The town's rules; a town without an entry gets one release level and no straight-through."""
        found = next((town for town in self.towns if town.ags == ags), None)
        return found or TownApprovalRules(ags=ags, release_levels=(DEFAULT_LEVEL,))
