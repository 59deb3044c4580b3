"""Loads the fee configuration (``config/fees.yaml``) and checks it against the Saxon municipalities."""

from __future__ import annotations

from collections.abc import Container
from pathlib import Path

from ikdz_platform.config_files import load_yaml_model

from ikdz_trade_registration.domain.errors import ConfigError
from ikdz_trade_registration.domain.fees import FeeConfig

FEES_CONFIG = Path(__file__).resolve().parent.parent / "config" / "fees.yaml"


def load_fee_config(path: Path = FEES_CONFIG, municipalities: Container[str] | None = None) -> FeeConfig:
    """Parse and validate; any error names the file and the offending field (``towns.0.schedules.0...``)."""
    config = load_yaml_model(path, FeeConfig, ConfigError, what="fee configuration")
    if municipalities is not None:
        unknown = [
            f"towns.{index}.ags: unknown municipality {town.ags}"
            for index, town in enumerate(config.towns)
            if town.ags not in municipalities
        ]
        if unknown:
            msg = f"{path}: {'; '.join(unknown)}"
            raise ConfigError(msg)
    return config
