"""Use cases for a Gewerbeanzeige: check it as the form, the JSON API and the XML import see it, file it.

Checks run in two layers, both from the contract: the payload model (shape and formats) and the
plausibility rules (``gewerbe_rules``: dates, address in the owner town, register entry …). Rule
*errors* stop a form or a portal submission, because a person can correct them there; an import
from another system is accepted with them, and trade-registration opens the clarification task.
Duplicates and unknown registrations need the register and are found by trade-registration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ikdz_contracts.events import Applicant
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, parse_payload, to_payload
from ikdz_contracts.payloads.gewerbe_rules import RuleContext, Severity, validate
from ikdz_contracts.reference.wz import WzCatalogue
from ikdz_contracts.services import ServiceId
from pydantic import ValidationError

from ikdz_intake.app.submit_case import Accepted, SubmitCase
from ikdz_intake.domain.gewerbe_errors import FieldProblem, german_problems
from ikdz_intake.domain.submission import CaseSubmission
from ikdz_intake.errors import GewerbeanzeigeInvalidError

Channel = Literal["web", "api", "import"]


@dataclass(frozen=True)
class Checked:
    """The outcome of a check: the notice if its shape is valid, its errors and its warnings."""

    notice: Gewerbeanzeige | None
    errors: list[FieldProblem] = field(default_factory=list)
    warnings: list[FieldProblem] = field(default_factory=list)


class CheckGewerbeanzeige:
    """Payload model plus plausibility rules, with German messages per field."""

    def __init__(self, wz: WzCatalogue, town_names: Mapping[str, str]) -> None:
        self._wz = wz
        self._town_names = town_names

    def __call__(self, payload: Mapping[str, Any], today: date, known: Sequence[FieldProblem] = ()) -> Checked:
        """``known`` are problems found before the model (a form date that is no date)."""
        try:
            notice = parse_payload(payload)
        except ValidationError as error:
            kind = payload.get("kind") if isinstance(payload.get("kind"), str) else None
            reported = {problem.path for problem in known}
            found = [p for p in german_problems(error.errors(), kind) if p.path not in reported]
            return Checked(notice=None, errors=[*known, *found])
        violations = validate(notice, RuleContext(today=today, wz=self._wz, town_names=self._town_names))
        problems = [(v.severity, FieldProblem(path=v.field, message_de=v.message_de, code=v.rule)) for v in violations]
        return Checked(
            notice=notice,
            errors=[*known, *(p for severity, p in problems if severity is Severity.ERROR)],
            warnings=[p for severity, p in problems if severity is Severity.WARNING],
        )


def applicant_of(notice: Gewerbeanzeige) -> Applicant:
    """Who files: the company (legal entity or partnership) or the trader."""
    email = next((person.email for person in notice.persons if person.email), None) or notice.establishment.email
    return Applicant(
        kind="legal_entity" if notice.company is not None else "natural_person",
        name=notice.holder_name[:200],
        email=email,
    )


class FileGewerbeanzeige:
    """Check a notice and, if it may be accepted on this channel, store it as a case."""

    def __init__(self, check: CheckGewerbeanzeige, submit: SubmitCase) -> None:
        self._check = check
        self._submit = submit

    async def __call__(
        self,
        payload: Mapping[str, Any],
        *,
        today: date,
        channel: Channel,
        idempotency_key: str | None,
        traceparent: str | None = None,
    ) -> tuple[Accepted, Checked]:
        """Raises :class:`GewerbeanzeigeInvalidError` with every problem; nothing is stored then."""
        checked = self._check(payload, today)
        blocking = checked.errors if channel != "import" else []
        if checked.notice is None or blocking:
            raise GewerbeanzeigeInvalidError(checked.errors)
        notice = checked.notice
        submission = CaseSubmission(
            service=ServiceId.TRADE_REGISTRATION,
            owner_ags=notice.owner_ags,
            applicant=applicant_of(notice),
            payload=to_payload(notice),
            channel=channel,
        )
        return await self._submit.checked(submission, idempotency_key, traceparent), checked
