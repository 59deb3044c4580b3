"""Gewerbe events: what trade-registration did with a Gewerbeanzeige.

``gewerbe.events.v1`` is public: the events carry ids, towns, dates, the legal form, WZ codes and the
documents and tasks of a case, never a person's name or address (a sole trader's business is a
person). Integrators fetch the notice itself through trade-registration's authorised API.

``gewerbe.recipients.v1`` is internal: one :class:`GewerbeRecipientMessage` per body that § 14 GewO
and § 3 GewAnzV name (Finanzamt, IHK, Statistisches Landesamt …), carrying the exported XML with the
data profile that body may see. A delivery gateway per recipient reads the topic and sends its own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field

from ikdz_contracts.cloudevents import AGS_PATTERN, PERSONAL, EventData
from ikdz_contracts.events.case import FILE_NUMBER_PATTERN

__all__ = [
    "GEWERBE_EVENTS",
    "GewerbeChanged",
    "GewerbeDeregistered",
    "GewerbeFeeNoticeIssued",
    "GewerbeReceiptIssued",
    "GewerbeRecipientMessage",
    "GewerbeRegistered",
    "GewerbeTaskClosed",
    "GewerbeTaskOpened",
    "NoticeKindName",
]

NoticeKindName = Literal["anmeldung", "ummeldung", "abmeldung"]
WZ_PATTERN = r"^[0-9]{2}\.[0-9]{2}\.[0-9]$"


class _GewerbeEvent(EventData):
    TOPIC: ClassVar[str] = "gewerbe.events.v1"
    PUBLIC: ClassVar[bool] = True

    case_id: str
    file_number: str = Field(pattern=FILE_NUMBER_PATTERN)
    owner_ags: str = Field(pattern=AGS_PATTERN, description="The town the notice was filed with (legally responsible).")
    processing_ags: str | None = Field(
        default=None, pattern=AGS_PATTERN, description="The town whose staff or automation processed it."
    )
    occurred_at: AwareDatetime
    ruleset_version: str = Field(description="Version of rules and decision table that produced the event.")


class GewerbeRegistered(_GewerbeEvent):
    """A Gewerbeanmeldung was accepted: the business is registered with the owner town."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.gewerbe.registered.v1"

    registration_id: str = Field(description="gewerbebetriebID, stable across Ummeldungen.")
    legal_form: str
    wz_codes: list[str] = Field(min_length=1, description="WZ 2008 Unterklassen, main activity first.")
    effective_date: date = Field(description="Start of the business (gueltigAb).")
    registration_reason: str


class GewerbeChanged(_GewerbeEvent):
    """A Gewerbeummeldung changed a registration (site in the town, activity, name, main/side business)."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.gewerbe.changed.v1"

    registration_id: str
    change_reasons: list[str] = Field(min_length=1)
    wz_codes: list[str] = Field(min_length=1)
    effective_date: date


class GewerbeDeregistered(_GewerbeEvent):
    """A registration was closed: by a Gewerbeabmeldung, or ex officio after a move to another onboarded town.

    Ex officio, ``owner_ags`` and ``file_number`` are the old town's (its file of the registration) and
    ``case_id`` is the Anmeldung's case at the new site.
    """

    EVENT_TYPE: ClassVar[str] = "de.ikdz.gewerbe.deregistered.v1"

    registration_id: str
    effective_date: date = Field(description="Closure date.")
    reason: str
    ex_officio: bool = Field(description="True when closed because the business moved (Rückmeldeverfahren).")


class GewerbeReceiptIssued(_GewerbeEvent):
    """The receipt (Gewerbeanzeige-Bestätigung, § 15 Abs. 1 GewO) is issued; the citizen finds it on the status page."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.gewerbe.receipt.issued.v1"

    document_id: str
    registration_id: str
    notice_kind: NoticeKindName
    automated: bool = Field(description="Issued without a human (§ 35a VwVfG marking).")


class GewerbeFeeNoticeIssued(_GewerbeEvent):
    """The fee notice (Gebührenbescheid) is issued with the town's fixed fee for this notice type."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.gewerbe.fee.notice.issued.v1"

    document_id: str
    amount: Decimal
    currency: Literal["EUR"] = "EUR"
    tariff: str = Field(description="Tarif of the SächsKVZ the fee rests on.")
    automated: bool


class GewerbeTaskOpened(_GewerbeEvent):
    """A human is asked to decide something about the notice (the task itself goes to routing)."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.gewerbe.task.opened.v1"

    task_id: str
    kind: str
    category: str = Field(description="Row of the decision table, e.g. permit_34a.")
    blocks_receipt: bool
    due_on: date


class GewerbeTaskClosed(_GewerbeEvent):
    """A clerk decided a task of the notice."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.gewerbe.task.closed.v1"

    task_id: str
    kind: str
    outcome: str
    acting_ags: str = Field(pattern=AGS_PATTERN)


GEWERBE_EVENTS: tuple[type[_GewerbeEvent], ...] = (
    GewerbeRegistered,
    GewerbeChanged,
    GewerbeDeregistered,
    GewerbeReceiptIssued,
    GewerbeFeeNoticeIssued,
    GewerbeTaskOpened,
    GewerbeTaskClosed,
)


class GewerbeRecipientMessage(EventData):
    """One message of a Gewerbeanzeige to one recipient body (§ 14 GewO, § 3 GewAnzV). Internal: personal data."""

    EVENT_TYPE: ClassVar[str] = "de.ikdz.gewerbe.recipient.message.v1"
    TOPIC: ClassVar[str] = "gewerbe.recipients.v1"
    PUBLIC: ClassVar[bool] = False

    message_id: str = Field(description="Stable per case and recipient: a re-sent message keeps its id.")
    message_type: str = Field(description="e.g. fa.gewerbemeldung.0100 (recipient prefix, notice type code).")
    recipient: str = Field(description="Recipient kind: sta, fa, ihk, hwk, reg, eich, dguv, zoll, gaa, lmue, ba, abh.")
    recipient_label_de: str
    legal_basis: str
    data_profile: Literal["full", "statistics", "foreign_nationals"]
    case_id: str = Field(
        description="The case the message comes from; for the old town's Abmeldung ex officio after a move, the "
        "Anmeldung's case at the new site."
    )
    file_number: str = Field(pattern=FILE_NUMBER_PATTERN, description="The issuing town's file (Aktenzeichen).")
    owner_ags: str = Field(pattern=AGS_PATTERN, description="The issuing town, author of the message.")
    registration_id: str
    created_at: AwareDatetime
    format: Literal["urn:ikdz:gewerbemeldung:1"] = "urn:ikdz:gewerbemeldung:1"
    content: str = Field(
        description="The message as XML in the format of docs/gewerbe.md (oriented on XGewO).",
        json_schema_extra=PERSONAL,
    )
