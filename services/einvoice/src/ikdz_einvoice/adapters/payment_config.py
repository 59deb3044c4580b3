"""Loads the towns' payment configuration (YAML): debtor accounts, booking accounts, creditor numbers."""

from __future__ import annotations

from pathlib import Path

from ikdz_platform.config_files import load_yaml_model
from pydantic import BaseModel, ConfigDict, field_validator

from ikdz_einvoice.domain.errors import EinvoiceError
from ikdz_einvoice.domain.payments import TownPaymentConfig

PILOT_PAYMENT_CONFIG = Path(__file__).resolve().parent / "payment_pilot.yaml"


class PaymentConfigError(EinvoiceError):
    """The payment configuration file cannot be read or is not valid."""


class PaymentConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    towns: tuple[TownPaymentConfig, ...]

    @field_validator("towns")
    @classmethod
    def _unique(cls, towns: tuple[TownPaymentConfig, ...]) -> tuple[TownPaymentConfig, ...]:
        agss = [town.ags for town in towns]
        if len(set(agss)) != len(agss):
            raise ValueError("each town (AGS) may appear once")
        return towns

    def for_town(self, ags: str) -> TownPaymentConfig:
        for town in self.towns:
            if town.ags == ags:
                return town
        raise PaymentConfigError(f"no payment configuration for the town {ags}")


def load_payment_config(path: Path = PILOT_PAYMENT_CONFIG) -> PaymentConfig:
    return load_yaml_model(path, PaymentConfig, PaymentConfigError, what="the payment configuration")
