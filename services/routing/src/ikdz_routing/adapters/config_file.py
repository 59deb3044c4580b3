"""The routing configuration file (YAML) and admin uploads (JSON): parsed, validated, references checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ikdz_contracts.reference.municipalities import MunicipalityRegistry
from ikdz_platform.config_files import load_yaml_model, validation_problems
from pydantic import ValidationError

from ikdz_routing.domain.config import RoutingConfig
from ikdz_routing.errors import ConfigError

PILOT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "pilot.yaml"


def load_routing_config(path: Path, municipalities: MunicipalityRegistry) -> RoutingConfig:
    """Parse and validate; any error names the file and the offending field."""
    config = load_yaml_model(path, RoutingConfig, ConfigError, what="routing configuration")
    return _checked(config, municipalities, where=str(path))


def parse_routing_config(raw: Any, municipalities: MunicipalityRegistry, *, where: str) -> RoutingConfig:
    """Validate a configuration given as data; errors name ``where`` and the fields."""
    try:
        config = RoutingConfig.model_validate(raw)
    except ValidationError as invalid:
        msg = f"{where}: {validation_problems(invalid)}"
        raise ConfigError(msg) from None
    return _checked(config, municipalities, where=where)


def _checked(config: RoutingConfig, municipalities: MunicipalityRegistry, *, where: str) -> RoutingConfig:
    problems = config.reference_problems(municipalities)
    if problems:
        msg = f"{where}: {'; '.join(problems)}"
        raise ConfigError(msg)
    return config


class ConfigFile:
    """The file in ``ROUTING_CONFIG_FILE``; notices when it changes (modification time and size)."""

    def __init__(self, path: Path, municipalities: MunicipalityRegistry) -> None:
        self.path = path
        self._municipalities = municipalities
        self._stamp = self._current_stamp()

    def _current_stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def changed(self) -> bool:
        return self._current_stamp() != self._stamp

    def load(self) -> RoutingConfig:
        """Read the file; it counts as seen even when invalid, so one bad edit is reported once."""
        self._stamp = self._current_stamp()
        return load_routing_config(self.path, self._municipalities)

    def parse(self, raw: Any, *, where: str) -> RoutingConfig:
        return parse_routing_config(raw, self._municipalities, where=where)
