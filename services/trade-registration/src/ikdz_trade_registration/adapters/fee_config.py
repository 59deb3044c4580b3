"""Loads the fee configuration (``config/fees.yaml``) and checks it against the Saxon municipalities."""

from __future__ import annotations

from collections.abc import Container
from pathlib import Path

import yaml
from pydantic import ValidationError

from ikdz_trade_registration.domain.errors import ConfigError
from ikdz_trade_registration.domain.fees import FeeConfig

FEES_CONFIG = Path(__file__).resolve().parent.parent / "config" / "fees.yaml"


def load_fee_config(path: Path = FEES_CONFIG, municipalities: Container[str] | None = None) -> FeeConfig:
    """Parse and validate; any error names the file and the offending field (``towns.0.schedules.0...``)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        msg = f"{path}: cannot read fee configuration: {error}"
        raise ConfigError(msg) from None
    try:
        config = FeeConfig.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}" for item in error.errors()
        )
        msg = f"{path}: {problems}"
        raise ConfigError(msg) from None
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
