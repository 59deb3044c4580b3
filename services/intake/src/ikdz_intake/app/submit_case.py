"""Use case: accept a case. It is stored together with its ``case.submitted`` event before the
client hears back, so an acknowledged case is never lost (the outbox relay publishes the event)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ikdz_contracts.cloudevents import new_event
from ikdz_contracts.events import CaseState, CaseSubmitted
from ikdz_contracts.ids import new_id
from ikdz_contracts.payloads import validate_payload
from ikdz_contracts.reference.municipalities import Municipality, MunicipalityRegistry
from ikdz_contracts.topics import Topics
from ikdz_platform.outbox import outbox_entry
from pydantic import ValidationError

from ikdz_intake.app.ports import CaseRepository, Clock, DuplicateKeyError
from ikdz_intake.domain.case import StatusEntry, file_number, fingerprint
from ikdz_intake.domain.gewerbe_errors import FieldProblem, german_problems
from ikdz_intake.domain.submission import CaseSubmission
from ikdz_intake.errors import IdempotencyConflictError, PayloadInvalidError, UnknownMunicipalityError

SOURCE = "urn:ikdz:intake"
MAX_NUMBER_ATTEMPTS = 20


@dataclass(frozen=True)
class Accepted:
    case_id: str
    file_number: str
    replayed: bool


class SubmitCase:
    def __init__(
        self,
        repository: CaseRepository,
        municipalities: MunicipalityRegistry,
        topics: Topics,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._municipalities = municipalities
        self._topics = topics
        self._clock = clock

    async def __call__(
        self, submission: CaseSubmission, idempotency_key: str | None, traceparent: str | None = None
    ) -> Accepted:
        """Accept a submission as a client sent it: its payload is validated with its service's
        contract first and stored as the contract writes it."""
        town = self._town(submission)
        request_fingerprint = fingerprint(submission.model_dump(mode="json"))  # of the request as sent
        checked = submission.model_copy(update={"payload": _contract_payload(submission)})
        return await self._store(checked, town, idempotency_key, request_fingerprint, traceparent)

    async def checked(
        self, submission: CaseSubmission, idempotency_key: str | None, traceparent: str | None = None
    ) -> Accepted:
        """Accept a submission whose payload its service's contract wrote (a checked
        Gewerbeanzeige): validating the same payload a second time would change nothing."""
        town = self._town(submission)
        return await self._store(
            submission, town, idempotency_key, fingerprint(submission.model_dump(mode="json")), traceparent
        )

    def _town(self, submission: CaseSubmission) -> Municipality:
        town = self._municipalities.get(submission.owner_ags)
        if town is None:
            raise UnknownMunicipalityError(submission.owner_ags)
        return town

    async def _store(
        self,
        submission: CaseSubmission,
        town: Municipality,
        idempotency_key: str | None,
        request_fingerprint: str,
        traceparent: str | None,
    ) -> Accepted:
        # Insert first, look the key up only when the insert collides: on FerretDB v1 the lookup
        # reads the whole collection, and a repeated key is the exception.
        now = self._clock()
        case_id = new_id()
        counter = f"{town.short_code}-{submission.service.code}-{now.year}"
        for _ in range(MAX_NUMBER_ATTEMPTS):
            number = file_number(
                town.short_code, submission.service, now.year, await self._repository.next_sequence(counter)
            )
            case, outbox = self._case(
                submission, case_id, number, town.display_name, idempotency_key, request_fingerprint, traceparent
            )
            try:
                await self._repository.insert(case, outbox)
            except DuplicateKeyError as duplicate:
                if idempotency_key is not None and duplicate.field != "file_number":
                    existing = await self._repository.find_by_idempotency_key(idempotency_key)
                    if existing is not None:  # a retry, or a concurrent request with the same key won
                        return self._replay(existing, idempotency_key, request_fingerprint)
                # Otherwise the file number was taken (by another replica, or after a lost counter
                # update; the unique index on file numbers catches it): take the next number.
                continue
            return Accepted(case_id=case_id, file_number=number, replayed=False)
        msg = f"no free file number for {counter} after {MAX_NUMBER_ATTEMPTS} attempts"
        raise RuntimeError(msg)

    def _case(
        self,
        submission: CaseSubmission,
        case_id: str,
        number: str,
        town_name: str,
        idempotency_key: str | None,
        request_fingerprint: str,
        traceparent: str | None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The case document and its ``case.submitted`` outbox entry."""
        now = self._clock()
        event = new_event(
            CaseSubmitted(
                case_id=case_id,
                file_number=number,
                service=submission.service,
                owner_ags=submission.owner_ags,
                submitted_at=now,
                channel=submission.channel,
                applicant=submission.applicant,
                payload=submission.payload,
            ),
            source=SOURCE,
            subject=case_id,
            ownerags=submission.owner_ags,
            traceparent=traceparent,
            time=now,
        )
        received = StatusEntry(state=CaseState.RECEIVED, label_de=CaseState.RECEIVED.label_de, occurred_at=now)
        case = {
            "_id": case_id,
            "file_number": number,
            "service": submission.service.value,
            "owner_ags": submission.owner_ags,
            "owner_town": town_name,
            "channel": submission.channel,
            "applicant": submission.applicant.model_dump(mode="json"),
            "payload": submission.payload,
            "submitted_at": now,
            # Without a client key the case id is the key, so the unique index never collides.
            "idempotency_key": idempotency_key or f"case:{case_id}",
            "request_fingerprint": request_fingerprint,
            "status": [received.model_dump(mode="python")],
        }
        return case, [outbox_entry(self._topics.case_submitted, event)]

    @staticmethod
    def _replay(existing: dict[str, object], key: str, request_fingerprint: str) -> Accepted:
        if existing["request_fingerprint"] != request_fingerprint:
            raise IdempotencyConflictError(key)
        return Accepted(case_id=str(existing["_id"]), file_number=str(existing["file_number"]), replayed=True)


def _contract_payload(submission: CaseSubmission) -> dict[str, Any]:
    """The payload as its service's contract writes it (``ikdz_contracts.payloads``), so consumers
    never see a payload their model refuses; services without a contract keep theirs as sent."""
    try:
        model = validate_payload(submission.service, submission.payload)
    except ValidationError as error:
        problems = german_problems(error.errors())
        raise PayloadInvalidError([replace(p, path=f"payload.{p.path}".rstrip(".")) for p in problems]) from None
    if model is None:
        return submission.payload
    if getattr(model, "owner_ags", submission.owner_ags) != submission.owner_ags:
        raise PayloadInvalidError(
            [
                FieldProblem(
                    path="payload.owner_ags",
                    code="owner_mismatch",
                    message=f"the payload is filed with {getattr(model, 'owner_ags', '')}, the case with {submission.owner_ags}",
                    message_de="Die Gemeinde im Antrag und die Gemeinde des Vorgangs stimmen nicht überein.",
                )
            ]
        )
    return model.model_dump(mode="json")
