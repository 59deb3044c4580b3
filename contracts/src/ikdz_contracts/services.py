"""The administrative services the center processes; the id appears in work topics and events."""

from __future__ import annotations

from enum import StrEnum


class ServiceId(StrEnum):
    """A service a citizen or business can file a case for."""

    TRADE_REGISTRATION = "trade-registration"
    EINVOICE = "einvoice"
    TRAFFIC_ORDERS = "traffic-orders"

    @property
    def code(self) -> str:
        """Three-letter code used in file numbers, e.g. ``WUR-GEW-2026-000123``."""
        return _CODES[self]

    @property
    def label_de(self) -> str:
        """The German name citizens see."""
        return _LABELS_DE[self]


_CODES = {
    ServiceId.TRADE_REGISTRATION: "GEW",
    ServiceId.EINVOICE: "ERE",
    ServiceId.TRAFFIC_ORDERS: "VRA",
}
_LABELS_DE = {
    ServiceId.TRADE_REGISTRATION: "Gewerbeanzeige (An-, Um- und Abmeldung)",
    ServiceId.EINVOICE: "Elektronische Rechnung (XRechnung)",
    ServiceId.TRAFFIC_ORDERS: "Verkehrsrechtliche Anordnung (§ 45 StVO)",
}
