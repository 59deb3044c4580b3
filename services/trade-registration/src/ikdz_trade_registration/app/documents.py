"""Use case: read the documents of a case, for staff of its towns or for intake on a citizen's behalf."""

from __future__ import annotations

from ikdz_trade_registration.app.ports import Document, DocumentStore, StepStore, StoredDocument
from ikdz_trade_registration.domain.errors import TradeRegistrationError


class DocumentNotFoundError(TradeRegistrationError):
    """Unknown case or document, or one the caller may not see: the same answer for all three."""


class CaseDocuments:
    def __init__(self, steps: StepStore, documents: DocumentStore) -> None:
        self._steps = steps
        self._documents = documents

    async def listed(self, case_id: str, towns: frozenset[str]) -> list[StoredDocument]:
        """Every document issued for the case (metadata and content), if the caller works for its towns."""
        steps = await self._visible_steps(case_id, towns)
        found = [await self._documents.get(case_id, d["document_id"]) for s in steps for d in s.get("documents", [])]
        return [document for document in found if document is not None]

    async def get(self, case_id: str, document_id: str, towns: frozenset[str] | None) -> StoredDocument:
        """One document the case file lists; ``towns=None`` is intake, which checked the status token."""
        steps = await self._visible_steps(case_id, towns)
        if not any(d["document_id"] == document_id for s in steps for d in s.get("documents", [])):
            raise DocumentNotFoundError(document_id)
        document = await self._documents.get(case_id, document_id)
        if document is None:
            raise DocumentNotFoundError(document_id)
        return document

    async def _visible_steps(self, case_id: str, towns: frozenset[str] | None) -> list[Document]:
        steps = await self._steps.of_case(case_id)
        if not steps:
            raise DocumentNotFoundError(case_id)
        first = steps[0]
        if towns is not None and not {first["owner_ags"], first["processing_ags"]} & towns:
            raise DocumentNotFoundError(case_id)  # staff see only cases of towns they work for
        return steps
