"""Use case: read the documents of a case, for staff of its towns or for intake on a citizen's behalf.

A document is rendered on its first download, not when its step issued it (see ``app/effects.py``):
from the notice of the case's work item step, parsed with the payload contract, and what the
issuing step stored for it (``issued_with``). The rendered document is stored write-once, so what a
citizen or clerk downloaded stays byte for byte the same, even if the renderer changes later; of
two first downloads at the same time, the one stored first is what both return.
"""

from __future__ import annotations

from ikdz_contracts.payloads.gewerbe import parse_payload

from ikdz_trade_registration.app.effects import FEE_NOTICE, issued_documents, issued_with
from ikdz_trade_registration.app.ports import (
    Document,
    DocumentStore,
    IssuedDocument,
    Renderer,
    StepStore,
    StoredDocument,
)
from ikdz_trade_registration.domain.errors import TradeRegistrationError


class DocumentNotFoundError(TradeRegistrationError):
    """Unknown case or document, or one the caller may not see: the same answer for all three."""


class CaseDocuments:
    def __init__(self, steps: StepStore, documents: DocumentStore, renderer: Renderer) -> None:
        self._steps = steps
        self._documents = documents
        self._renderer = renderer

    async def listed(self, case_id: str, towns: frozenset[str]) -> list[IssuedDocument]:
        """Every document issued for the case (metadata only, nothing rendered), if the caller works for its towns."""
        steps = await self._visible_steps(case_id, towns)
        return [document for step in steps for document in issued_documents(step)]

    async def get(self, case_id: str, document_id: str, towns: frozenset[str] | None) -> StoredDocument:
        """One document the case file lists, rendered and stored if this is its first download;
        ``towns=None`` is intake, which checked the status token."""
        steps = await self._visible_steps(case_id, towns)
        found = [(s, d) for s in steps for d in issued_documents(s) if d.document_id == document_id]
        if not found:
            raise DocumentNotFoundError(document_id)
        [(step, issued)] = found
        stored = await self._documents.get(case_id, document_id)
        if stored is not None:
            return stored
        return await self._documents.put(self._render(steps, step, issued))

    def _render(self, steps: list[Document], step: Document, issued: IssuedDocument) -> StoredDocument:
        """The document as its step issued it: the case's notice (a step issues documents only for a
        notice that parsed) with the step's issuing context and fee."""
        app = parse_payload(next(s["payload"] for s in steps if "payload" in s))
        inputs = issued_with(step)
        if issued.kind == FEE_NOTICE:
            assert inputs.fee is not None  # a fee notice is issued only with a fee
            content = self._renderer.fee_notice(app, inputs.context, inputs.fee)
        else:
            content = self._renderer.receipt(app, inputs.context)
        return StoredDocument(
            document_id=issued.document_id,
            case_id=issued.case_id,
            kind=issued.kind,
            title_de=issued.title_de,
            media_type=issued.media_type,
            created_at=issued.created_at,
            content=content,
        )

    async def _visible_steps(self, case_id: str, towns: frozenset[str] | None) -> list[Document]:
        steps = await self._steps.of_case(case_id)
        if not steps:
            raise DocumentNotFoundError(case_id)
        first = steps[0]
        if towns is not None and not {first["owner_ags"], first["processing_ags"]} & towns:
            raise DocumentNotFoundError(case_id)  # staff see only cases of towns they work for
        return steps
