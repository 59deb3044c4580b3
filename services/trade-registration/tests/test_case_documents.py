"""Documents rendered on their first download, against fakes: nothing rendered or stored when the notice
is decided; the first download renders and stores, every later one returns the stored bytes."""

from __future__ import annotations

from typing import Any

import pytest
from ikdz_contracts.payloads.gewerbe import Gewerbeanzeige, to_payload
from ikdz_trade_registration.adapters.documents import PdfRenderer, render_fee_notice, render_receipt
from ikdz_trade_registration.app.documents import DocumentNotFoundError
from ikdz_trade_registration.app.effects import BERLIN
from ikdz_trade_registration.app.notices import new_registration_id
from ikdz_trade_registration.app.ports import StoredDocument
from ikdz_trade_registration.domain.decision import RULESET_VERSION
from ikdz_trade_registration.domain.fees import Fee, fee_for
from ikdz_trade_registration.domain.issuing import IssuingContext

from .builders import AUGUSTUSBURG, FEES, GRIMMA, WURZEN, abmeldung, activity, anmeldung, gmbh, person
from .fakes import CountingRenderer
from .service import AGREEMENT, Service


def issued(service: Service, case_id: str) -> list[dict[str, Any]]:
    """The documents the case's status announced."""
    return service.statuses(case_id)[-1].get("documents") or []


async def test_deciding_a_notice_renders_and_stores_nothing_and_the_step_lists_what_rendering_needs() -> None:
    renderer = CountingRenderer()
    service = Service(renderer=renderer)

    case_id = await service.file(to_payload(anmeldung()))

    assert not renderer.rendered and not service.documents.documents
    [step] = service.steps.steps.values()
    assert [d["kind"] for d in step["documents"]] == ["receipt", "fee_notice"]
    assert [d["document_id"] for d in step["documents"]] == [d["document_id"] for d in issued(service, case_id)]
    assert isinstance(step["issued_with"], str)  # one field, however many inputs


async def test_the_first_download_renders_and_stores_and_later_ones_return_the_stored_bytes() -> None:
    renderer = CountingRenderer()
    service = Service(renderer=renderer)
    case_id = await service.file(to_payload(anmeldung()))
    receipt, fee_notice = (d["document_id"] for d in issued(service, case_id))

    first = await service.case_documents.get(case_id, fee_notice, None)
    assert renderer.rendered == ["fee_notice"]
    assert service.documents.documents == {fee_notice: first}
    assert (first.kind, first.title_de, first.media_type) == ("fee_notice", "Gebührenbescheid", "application/pdf")
    assert first.created_at == service.clock.now

    again = await service.case_documents.get(case_id, fee_notice, frozenset({WURZEN}))
    assert again.content == first.content
    assert renderer.rendered == ["fee_notice"]  # not rendered again
    listed = await service.case_documents.listed(case_id, frozenset({AUGUSTUSBURG}))
    assert [d.document_id for d in listed] == [receipt, fee_notice]
    assert renderer.rendered == ["fee_notice"]  # listing renders nothing


async def test_the_stored_bytes_stay_when_the_renderer_changes() -> None:
    service = Service()
    case_id = await service.file(to_payload(anmeldung()))
    receipt = issued(service, case_id)[0]["document_id"]
    first = await service.case_documents.get(case_id, receipt, None)

    class Changed(PdfRenderer):
        def receipt(self, app: Gewerbeanzeige, ctx: IssuingContext) -> bytes:
            del app, ctx
            return b"%PDF-a new layout"

    later = Service(steps=service.steps, documents=service.documents, renderer=Changed())
    assert (await later.case_documents.get(case_id, receipt, None)).content == first.content


async def test_of_two_first_downloads_at_once_both_return_the_copy_stored_first() -> None:
    service = Service()
    case_id = await service.file(to_payload(anmeldung()))
    receipt = issued(service, case_id)[0]["document_id"]
    stored_first = b"%PDF-stored by the other download"

    class Racing(PdfRenderer):
        """While this download renders, the other one stores its copy."""

        def receipt(self, app: Gewerbeanzeige, ctx: IssuingContext) -> bytes:
            rendered = super().receipt(app, ctx)
            [step] = service.steps.steps.values()
            service.documents.documents[receipt] = StoredDocument(
                document_id=receipt,
                case_id=case_id,
                kind="receipt",
                title_de="Empfangsbestätigung zur Gewerbeanmeldung",
                media_type="application/pdf",
                created_at=step["at"],
                content=stored_first,
            )
            return rendered

    racing = Service(steps=service.steps, documents=service.documents, renderer=Racing())

    assert (await racing.case_documents.get(case_id, receipt, None)).content == stored_first
    assert service.documents.documents[receipt].content == stored_first


async def test_a_document_not_listed_for_the_case_or_of_a_case_of_other_towns_is_not_found() -> None:
    service = Service()
    case_id = await service.file(to_payload(anmeldung()))
    other = await service.file(to_payload(anmeldung(persons=(person(family_name="Schmidt"),))))
    receipt = issued(service, case_id)[0]["document_id"]

    for case, document, towns in [
        (case_id, "no-such-document", None),
        (other, receipt, None),  # a document of another case
        ("case-unknown", receipt, None),
        (case_id, receipt, frozenset({GRIMMA})),  # staff of a town the case is not of
    ]:
        with pytest.raises(DocumentNotFoundError):
            await service.case_documents.get(case, document, towns)
    with pytest.raises(DocumentNotFoundError):
        await service.case_documents.listed(case_id, frozenset({GRIMMA}))
    assert not service.documents.documents  # nothing rendered for a refused download


def eager_context(number: int, registered_by: int, owner: str, processing: str) -> IssuingContext:
    """The issuing context the decision rendered with before documents were rendered on download."""
    town = FEES.town(owner)
    partner = FEES.town(processing)
    assert town is not None and partner is not None
    return IssuingContext(
        file_number=f"WUR-GEW-2026-{number:06d}",
        registration_id=new_registration_id(f"case-{registered_by}"),
        owner_town=town.name,
        authority=town.authority,
        issued_on=Service().clock.now.astimezone(BERLIN).date(),
        ruleset_version=RULESET_VERSION,
        processing_town=partner.name if processing != owner else None,
        agreement_ref=AGREEMENT if processing != owner else None,
    )


async def test_a_downloaded_document_is_byte_for_byte_what_deciding_rendered_before() -> None:
    service = Service()
    filed = [  # the notice, the case that registered its business, the towns
        (anmeldung(), 1, WURZEN, AUGUSTUSBURG),
        (gmbh(activities=(activity(), activity("Friseursalon", "96.02.1"))), 2, WURZEN, WURZEN),
        (abmeldung(), 1, WURZEN, AUGUSTUSBURG),  # the first one's business closes
    ]
    for number, (notice, registered_by, owner, processing) in enumerate(filed, start=1):
        case_id = await service.file(to_payload(notice), owner=owner, processing=processing)
        ctx = eager_context(number, registered_by, owner, processing)
        fee = fee_for(FEES, owner, notice.kind, notice.filed_on)
        expected = {"receipt": render_receipt(notice, ctx)}
        if isinstance(fee, Fee):
            expected["fee_notice"] = render_fee_notice(notice, ctx, fee)

        listed = issued(service, case_id)
        downloaded = [await service.case_documents.get(case_id, d["document_id"], None) for d in listed]

        assert {d.kind: d.content for d in downloaded} == expected
