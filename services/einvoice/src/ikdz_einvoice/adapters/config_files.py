"""Loads einvoice's configuration files (YAML): the Leitweg-ID routing table and the towns' approval rules.

Errors name the file and every offending field (``ikdz_platform.config_files``); a town that is not
one of the Saxon municipalities is refused.
"""

from __future__ import annotations

from collections.abc import Container
from pathlib import Path

from ikdz_platform.config_files import load_yaml_model

from ikdz_einvoice.domain.approval_rules import ApprovalRules
from ikdz_einvoice.domain.errors import EinvoiceError
from ikdz_einvoice.domain.routing import LeitwegRoutingTable

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
PILOT_LEITWEG_CONFIG = CONFIG_DIR / "leitweg_pilot.yaml"
PILOT_APPROVAL_CONFIG = CONFIG_DIR / "approval_pilot.yaml"


class EinvoiceConfigError(EinvoiceError):
    """A configuration file cannot be read or is not valid."""


def _known_towns(path: Path, towns: list[str], municipalities: Container[str] | None) -> None:
    if municipalities is None:
        return
    unknown = [
        f"towns.{index}.ags: unknown municipality {ags}" for index, ags in enumerate(towns) if ags not in municipalities
    ]
    if unknown:
        msg = f"{path}: {'; '.join(unknown)}"
        raise EinvoiceConfigError(msg)


def load_leitweg_routing(
    path: Path = PILOT_LEITWEG_CONFIG, municipalities: Container[str] | None = None
) -> LeitwegRoutingTable:
    table = load_yaml_model(path, LeitwegRoutingTable, EinvoiceConfigError, what="the Leitweg-ID routing table")
    _known_towns(path, [town.ags for town in table.towns], municipalities)
    return table


def load_approval_rules(
    path: Path = PILOT_APPROVAL_CONFIG, municipalities: Container[str] | None = None
) -> ApprovalRules:
    rules = load_yaml_model(path, ApprovalRules, EinvoiceConfigError, what="the approval rules")
    _known_towns(path, [town.ags for town in rules.towns], municipalities)
    return rules
