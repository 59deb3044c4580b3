"""Loads the Leitweg-ID routing table (YAML) that maps Leitweg-ID prefixes to towns and departments."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from ikdz_einvoice.domain.errors import EinvoiceError
from ikdz_einvoice.domain.routing import LeitwegRoutingTable

PILOT_LEITWEG_CONFIG = Path(__file__).resolve().parent / "leitweg_pilot.yaml"


class LeitwegConfigError(EinvoiceError):
    """The routing table file cannot be read or is not a valid table."""


def load_leitweg_routing(path: Path = PILOT_LEITWEG_CONFIG) -> LeitwegRoutingTable:
    """Parse and validate; an error names the file and every offending field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise LeitwegConfigError(f"{path}: cannot read the Leitweg-ID routing table: {error}") from None
    try:
        return LeitwegRoutingTable.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(root)'}: {item['msg']}" for item in error.errors()
        )
        raise LeitwegConfigError(f"{path}: {problems}") from None
