"""Loads the routing configuration from YAML and checks it against the Saxon municipalities."""

from __future__ import annotations

from pathlib import Path

import yaml
from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from pydantic import ValidationError

from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.errors import ConfigError

PILOT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "pilot.yaml"


def load_routing_config(path: Path, municipalities: MunicipalityRegistry) -> RoutingConfig:
    """Parse and validate; any error names the file and the offending field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        msg = f"{path}: cannot read routing configuration: {error}"
        raise ConfigError(msg) from None
    try:
        config = RoutingConfig.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}" for item in error.errors()
        )
        msg = f"{path}: {problems}"
        raise ConfigError(msg) from None
    unknown = [
        f"pools.{index}.processing_ags: unknown municipality {pool.processing_ags}"
        for index, pool in enumerate(config.pools)
        if pool.processing_ags not in municipalities
    ] + [
        f"agreements.{index}.{field}: unknown municipality {ags}"
        for index, agreement in enumerate(config.agreements)
        for field, ags in (("owner_ags", agreement.owner_ags), ("processing_ags", agreement.processing_ags))
        if ags not in municipalities
    ]
    if unknown:
        msg = f"{path}: {'; '.join(unknown)}"
        raise ConfigError(msg)
    return config
