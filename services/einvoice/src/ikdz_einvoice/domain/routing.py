"""Routing an invoice by its Leitweg-ID (BT-10) to the owner town and the department that checks it.

Each town's entry lists the coarse parts (Grobadressierung) of its Leitweg-IDs, usually just its
AGS, and its departments, each with a fine-part prefix and the pool whose clerks do the
"sachlich richtig" check. A Leitweg-ID routes to the town whose coarse part equals the ID's coarse
part, and within it to the department with the longest fine-part prefix that the ID's fine part
starts with (case-insensitive); a department with the empty prefix takes everything else,
including IDs without a fine part. Anything that does not route is rejected with a reason.

Configuration (YAML or JSON), see docs/einvoice.md::

    version: "pilot-2026-11"
    towns:
      - ags: "14729410"            # Wurzen
        coarse_parts: ["14729410"]
        departments:
          - {fine_prefix: "", department: "Kämmerei", pool: "wurzen"}
          - {fine_prefix: "BAU", department: "Bauamt", pool: "wurzen"}
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from ikdz_contracts.cloudevents import AGS_PATTERN
from ikdz_contracts.topics import POOL_ID_PATTERN
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ikdz_einvoice.domain.errors import InvalidLeitwegIdError
from ikdz_einvoice.domain.leitweg import COARSE_LENGTHS, LeitwegId, parse_leitweg_id

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Department(BaseModel):
    model_config = _FROZEN

    fine_prefix: str = Field("", pattern=r"^[A-Za-z0-9]{0,30}$", description="Fine-part prefix; '' = the rest.")
    department: str = Field(min_length=1, max_length=120)
    pool: str = Field(pattern=POOL_ID_PATTERN, description="Pool whose clerks check the invoice (sachlich richtig).")


class TownRoutes(BaseModel):
    model_config = _FROZEN

    ags: str = Field(pattern=AGS_PATTERN)
    name: str | None = None
    coarse_parts: tuple[str, ...] = Field(min_length=1)
    departments: tuple[Department, ...] = Field(min_length=1)

    @field_validator("coarse_parts")
    @classmethod
    def _coarse_parts(cls, parts: tuple[str, ...]) -> tuple[str, ...]:
        for part in parts:
            if not part.isdigit() or len(part) not in COARSE_LENGTHS:
                msg = f"coarse part {part!r} must be 2, 3, 5, 8, 9 or 12 digits"
                raise ValueError(msg)
        return parts

    @model_validator(mode="after")
    def _unique_prefixes(self) -> Self:
        prefixes = [d.fine_prefix.upper() for d in self.departments]
        if len(prefixes) != len(set(prefixes)):
            msg = f"town {self.ags}: two departments share a fine-part prefix"
            raise ValueError(msg)
        return self

    def department_for(self, fine: str | None) -> Department | None:
        fine_upper = (fine or "").upper()
        candidates = [d for d in self.departments if fine_upper.startswith(d.fine_prefix.upper())]
        return max(candidates, key=lambda d: len(d.fine_prefix), default=None)


class RoutingRejectionReason(StrEnum):
    MISSING = "leitweg-id-missing"
    INVALID = "leitweg-id-invalid"
    UNKNOWN_RECIPIENT = "unknown-recipient"
    UNKNOWN_DEPARTMENT = "unknown-department"


class InvoiceRoute(BaseModel):
    """Where an invoice goes: the owner town, the department and the pool that checks it."""

    model_config = _FROZEN

    leitweg_id: str
    owner_ags: str
    department: str
    pool: str


class RoutingRejection(BaseModel):
    model_config = _FROZEN

    reason: RoutingRejectionReason
    leitweg_id: str | None
    detail: str
    message_de: str


class LeitwegRoutingTable(BaseModel):
    model_config = _FROZEN

    version: str = Field(min_length=1)
    towns: tuple[TownRoutes, ...]

    @model_validator(mode="after")
    def _unique_coarse_parts(self) -> Self:
        seen: dict[str, str] = {}
        for town in self.towns:
            for part in town.coarse_parts:
                if part in seen:
                    msg = f"coarse part {part} is configured for {seen[part]} and {town.ags}"
                    raise ValueError(msg)
                seen[part] = town.ags
        return self

    def town_for(self, leitweg: LeitwegId) -> TownRoutes | None:
        return next((town for town in self.towns if leitweg.coarse in town.coarse_parts), None)

    def addressee(self, buyer_reference: str | None) -> str | None:
        """The town whose coarse part BT-10 starts with, even if the check digits are wrong.

        Only to say which town an invoice was meant for (events, status); :meth:`route` decides.
        """
        coarse = (buyer_reference or "").strip().split("-", 1)[0]
        return next((town.ags for town in self.towns if coarse in town.coarse_parts), None)

    def route(self, buyer_reference: str | None) -> InvoiceRoute | RoutingRejection:
        """Route by BT-10; a rejection says why (missing, malformed or wrong check digits, unknown)."""
        if buyer_reference is None or not buyer_reference.strip():
            return RoutingRejection(
                reason=RoutingRejectionReason.MISSING,
                leitweg_id=None,
                detail="the invoice has no buyer reference (BT-10); a Leitweg-ID is required",
                message_de="Die Rechnung enthält keine Leitweg-ID (Käuferreferenz, BT-10).",
            )
        try:
            leitweg = parse_leitweg_id(buyer_reference)
        except InvalidLeitwegIdError as error:
            return RoutingRejection(
                reason=RoutingRejectionReason.INVALID,
                leitweg_id=buyer_reference,
                detail=f"buyer reference (BT-10) is not a valid Leitweg-ID: {error.problem}",
                message_de=f"Die Leitweg-ID „{buyer_reference}“ ist ungültig (Aufbau oder Prüfziffer).",
            )
        town = self.town_for(leitweg)
        if town is None:
            return RoutingRejection(
                reason=RoutingRejectionReason.UNKNOWN_RECIPIENT,
                leitweg_id=str(leitweg),
                detail=f"no town served here has the Leitweg-ID coarse part {leitweg.coarse}",
                message_de=f"Die Leitweg-ID „{leitweg}“ gehört zu keiner hier angeschlossenen Kommune.",
            )
        department = town.department_for(leitweg.fine)
        if department is None:
            return RoutingRejection(
                reason=RoutingRejectionReason.UNKNOWN_DEPARTMENT,
                leitweg_id=str(leitweg),
                detail=f"town {town.ags} has no department for the fine part {leitweg.fine!r}",
                message_de=f"Die Leitweg-ID „{leitweg}“ ist bei der Kommune keiner Stelle zugeordnet.",
            )
        return InvoiceRoute(
            leitweg_id=str(leitweg), owner_ags=town.ags, department=department.department, pool=department.pool
        )
