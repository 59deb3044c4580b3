"""Fees for a Gewerbeanzeige: one fixed amount per town, notice type and period, within SächsKVZ Nr. 46.

The 10. Sächsisches Kostenverzeichnis (SächsKVZ), lfd. Nr. 46 Tarifstelle 2, sets a frame of 22 to
112 euros for receiving a Gewerbeanzeige. A frame leaves discretion, and a fully automated
administrative act (§ 35a VwVfG) must not involve discretion; so each town fixes one amount per
notice type for standard cases (in its Verwaltungskostensatzung or an internal rule) and the
service applies it. The configuration (``config/fees.yaml``) names that source and its validity;
it is checked when loaded, so an amount outside the frame or overlapping periods never reach a
notice. Whether an Abmeldung is charged is a town's choice: ``null`` means not charged.

Also in the file: the town's authority as it appears on documents (name, address), because the
fee notice's Rechtsbehelfsbelehrung must say where to lodge an objection.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Annotated, Self

from ikdz_contracts.payloads.gewerbe import AGS_PATTERN, NoticeKind
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

TARIFF_MIN = Decimal("22.00")
TARIFF_MAX = Decimal("112.00")
TARIFF = "lfd. Nr. 46 Tarifstelle 2 des Zehnten Sächsischen Kostenverzeichnisses (10. SächsKVZ)"
COST_LAW = "§§ 1, 2, 3 und 14 des Sächsischen Verwaltungskostengesetzes (SächsVwKG)"

Amount = Annotated[Decimal, Field(max_digits=6, decimal_places=2)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Authority(_Config):
    """The town's Gewerbeamt as named on its documents."""

    name: Text = Field(description="e.g. 'Stadt Wurzen, Ordnungsamt – Gewerbeangelegenheiten'.")
    street: Text
    postal_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]
    city: Text
    email: Text | None = None


class FeeSchedule(_Config):
    """The fixed amounts of one town for one period; ``None`` = this notice type is not charged."""

    valid_from: date
    valid_to: date | None = None
    legal_source: Text = Field(description="Where the town fixed the amounts (Satzung, Beschluss, Dienstanweisung).")
    amounts: dict[NoticeKind, Amount | None]

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @model_validator(mode="after")
    def _within_tariff(self) -> Self:
        missing = sorted(kind.value for kind in NoticeKind if kind not in self.amounts)
        if missing:
            msg = f"amounts for {', '.join(missing)} missing (use null for 'not charged')"
            raise ValueError(msg)
        for kind, amount in self.amounts.items():
            if amount is not None and not TARIFF_MIN <= amount <= TARIFF_MAX:
                msg = (
                    f"amounts.{kind.value}: {amount} EUR lies outside SächsKVZ Nr. 46/2 ({TARIFF_MIN}–{TARIFF_MAX} EUR)"
                )
                raise ValueError(msg)
        if self.valid_to is not None and self.valid_to < self.valid_from:
            msg = "valid_to lies before valid_from"
            raise ValueError(msg)
        return self


class TownFees(_Config):
    """Fee settings and authority of one onboarded town."""

    ags: Annotated[str, StringConstraints(pattern=AGS_PATTERN)]
    name: Text
    authority: Authority
    schedules: tuple[FeeSchedule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        ordered = sorted(self.schedules, key=lambda s: s.valid_from)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                msg = f"schedules valid from {earlier.valid_from} and {later.valid_from} overlap"
                raise ValueError(msg)
        return self

    def schedule_on(self, day: date) -> FeeSchedule | None:
        return next((s for s in self.schedules if s.active_on(day)), None)


class FeeConfig(_Config):
    """All towns' fee settings; versioned so every fee notice names the configuration it used."""

    version: Text
    towns: tuple[TownFees, ...]

    @model_validator(mode="after")
    def _unique_towns(self) -> Self:
        ags = [town.ags for town in self.towns]
        duplicates = sorted({a for a in ags if ags.count(a) > 1})
        if duplicates:
            msg = f"duplicate towns: {', '.join(duplicates)}"
            raise ValueError(msg)
        return self

    def town(self, ags: str) -> TownFees | None:
        return next((town for town in self.towns if town.ags == ags), None)


class Fee(BaseModel):
    """A fixed fee to be set by an automated fee notice."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    amount: Decimal
    kind: NoticeKind
    tariff: str
    legal_source: str
    config_version: str
    schedule_valid_from: date

    @property
    def amount_de(self) -> str:
        """``40,00 EUR``."""
        return f"{self.amount:.2f} EUR".replace(".", ",")


class NoFee(BaseModel):
    """The town does not charge this notice type: no fee notice."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    reason_de: str


class FeeUnavailable(BaseModel):
    """No fixed amount applies: a clerk sets the fee (no automated fee notice)."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    reason_de: str


FeeResult = Fee | NoFee | FeeUnavailable


def fee_for(config: FeeConfig | None, owner_ags: str, kind: NoticeKind, on: date) -> FeeResult:
    """The fee for a notice of ``kind`` received by the town ``owner_ags`` on ``on``. Pure, total."""
    town = config.town(owner_ags) if config is not None else None
    if config is None or town is None:
        return FeeUnavailable(reason_de=f"Für die Gemeinde {owner_ags} ist keine Gebühr konfiguriert.")
    schedule = town.schedule_on(on)
    if schedule is None:
        return FeeUnavailable(
            reason_de=f"Für {town.name} gilt am {on.strftime('%d.%m.%Y')} keine konfigurierte Gebührenregelung."
        )
    amount = schedule.amounts[kind]
    if amount is None:
        return NoFee(reason_de=f"{town.name} erhebt für eine {kind.label_de} keine Gebühr.")
    return Fee(
        amount=amount,
        kind=kind,
        tariff=TARIFF,
        legal_source=schedule.legal_source,
        config_version=config.version,
        schedule_valid_from=schedule.valid_from,
    )
