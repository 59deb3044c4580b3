"""Use cases for the status projection: apply ``case.status`` events, read a case's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ikdz_contracts.cloudevents import CloudEvent
from ikdz_contracts.events import CaseDocument, CaseState, CaseStatus
from ikdz_contracts.services import ServiceId

from ikdz_intake.app.ports import CaseRepository, DocumentSource
from ikdz_intake.domain.case import StatusEntry, current_state, documents_of, ordered, token_matches
from ikdz_intake.errors import CaseNotFoundError


class ApplyStatus:
    """Project status events onto their cases, a batch at a time; a redelivered event changes nothing."""

    def __init__(self, repository: CaseRepository) -> None:
        self._repository = repository

    async def __call__(self, events: Sequence[CloudEvent[CaseStatus]]) -> set[str]:
        """Returns the ids of the events applied now."""
        return await self._repository.add_statuses([(e.data.case_id, _entry(e.data), e.id) for e in events])


def _entry(data: CaseStatus) -> StatusEntry:
    return StatusEntry(
        state=data.state,
        label_de=data.label_de,
        message_de=data.message_de,
        processing_town=data.processing_town,
        pool_id=data.pool_id,
        occurred_at=data.occurred_at,
        documents=data.documents or [],
    )


@dataclass(frozen=True)
class CaseView:
    """What the citizen (holder of the status token) may see. Never a clerk's name."""

    case_id: str
    file_number: str
    service: str
    owner_ags: str
    owner_town: str
    submitted_at: datetime
    state: CaseState
    history: list[StatusEntry]

    @property
    def documents(self) -> list[CaseDocument]:
        return documents_of(self.history)


class ViewCase:
    def __init__(self, repository: CaseRepository, token_secret: bytes) -> None:
        self._repository = repository
        self._secret = token_secret

    async def __call__(self, case_id: str, token: str) -> CaseView:
        """Raises ``CaseNotFoundError`` for an unknown case and for a wrong token alike, so a token
        holder learns nothing about other cases."""
        if not token_matches(self._secret, case_id, token):
            raise CaseNotFoundError(case_id)
        case = await self._repository.get(case_id)
        if case is None:
            raise CaseNotFoundError(case_id)
        history = ordered([StatusEntry.model_validate(entry) for entry in case["status"]])
        return CaseView(
            case_id=case_id,
            file_number=case["file_number"],
            service=case["service"],
            owner_ags=case["owner_ags"],
            owner_town=case["owner_town"],
            submitted_at=case["submitted_at"],
            state=current_state(history),
            history=history,
        )


@dataclass(frozen=True)
class DownloadedDocument:
    title_de: str
    media_type: str
    content: bytes


class FetchDocument:
    """A document of a case for the holder of its status token, fetched from the service that issued it.

    Only documents the case's status history announced can be fetched, so a token holder cannot
    probe for other documents; an unknown case, a wrong token and an unknown document look alike.
    """

    def __init__(self, view: ViewCase, source: DocumentSource) -> None:
        self._view = view
        self._source = source

    async def __call__(self, case_id: str, token: str, document_id: str) -> DownloadedDocument:
        case = await self._view(case_id, token)
        document = next((d for d in case.documents if d.document_id == document_id), None)
        if document is None:
            raise CaseNotFoundError(case_id)
        content = await self._source.fetch(ServiceId(case.service), case_id, document_id)
        if content is None:
            raise CaseNotFoundError(case_id)
        return DownloadedDocument(title_de=document.title_de, media_type=document.media_type, content=content)
