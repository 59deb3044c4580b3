"""Loads the routing configuration from YAML and checks it against the Saxon municipalities."""

from __future__ import annotations

from pathlib import Path

from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_platform.config_files import load_yaml_model

from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.errors import ConfigError

PILOT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "pilot.yaml"


def load_routing_config(path: Path, municipalities: MunicipalityRegistry) -> RoutingConfig:
    """Parse and validate; any error names the file and the offending field."""
    config = load_yaml_model(path, RoutingConfig, ConfigError, what="routing configuration")
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
