"""Reference data shipped with the contracts: the Saxon municipalities (see data/*.PROVENANCE.md)."""

from ikdz_contracts.reference.municipalities import (
    Municipality,
    MunicipalityRegistry,
    load_municipalities,
)

__all__ = ["Municipality", "MunicipalityRegistry", "load_municipalities"]
