"""The Gewerbeanzeige forms without JavaScript (plain form posts against fakes)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from ikdz_contracts.payloads.gewerbe import parse_payload
from ikdz_contracts.testing import gewerbe_payload

from .fakes import FakeCaseRepository
from .gewerbe_support import FORM_URL, TODAY, VALID_FORM, WURZEN, client_for, gewerbe_app, post_form


@pytest.fixture
def repo() -> FakeCaseRepository:
    return FakeCaseRepository()


@pytest.fixture
async def browser(repo: FakeCaseRepository) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(gewerbe_app(repo)) as client:
        yield client


def summary_links(html: str) -> list[tuple[str, str]]:
    """(target id, message) of each error summary entry."""
    return re.findall(r'<li><a class="kern-link" href="#([^"]+)">([^<]+)</a></li>', html)


def ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


async def test_the_start_page_leads_to_the_form_of_the_town_and_kind(browser: httpx.AsyncClient) -> None:
    start = await browser.get("/gewerbe")
    chosen = await browser.get("/gewerbe", params={"gemeinde": WURZEN, "art": "ummeldung"})
    missing = await browser.get("/gewerbe", params={"gemeinde": "", "art": ""})

    assert start.status_code == 200 and 'value="14522020">Augustusburg<' in start.text
    assert chosen.status_code == 303 and chosen.headers["location"] == f"/gewerbe/ummeldung?gemeinde={WURZEN}"
    assert missing.status_code == 422
    assert [target for target, _ in summary_links(missing.text)] == ["gemeinde", "art"]


async def test_the_form_labels_every_field_and_helps_the_browser_fill_in(browser: httpx.AsyncClient) -> None:
    html = (await browser.get(FORM_URL)).text

    assert '<h1 class="kern-heading-large">Gewerbe anmelden</h1>' in html
    assert "Verlegung des Betriebs aus einem anderen Meldebezirk" in html
    for field in ("persons-0-family_name", "establishment-address-city", "activities-0-description", "effective_date"):
        assert f'<label class="kern-label" for="{field}">' in html
    assert 'autocomplete="family-name"' in html and 'autocomplete="bday"' in html
    assert 'autocomplete="section-betrieb postal-code"' in html and 'autocomplete="address-line1"' in html
    assert 'name="csrf_token"' in html
    assert "<script" not in html


async def test_each_kind_asks_for_its_own_reason(browser: httpx.AsyncClient) -> None:
    um = (await browser.get(f"/gewerbe/ummeldung?gemeinde={WURZEN}")).text
    ab = (await browser.get(f"/gewerbe/abmeldung?gemeinde={WURZEN}")).text
    assert 'name="change_reasons"' in um and 'name="registration_reason"' not in um
    assert 'name="deregistration_reason"' in ab and 'name="deregistration_cause"' in ab
    assert "Datum der Betriebsaufgabe" in ab and 'name="declarations.serves_alcohol"' not in ab


async def test_an_empty_form_gets_a_summary_whose_links_reach_the_fields(
    browser: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    response = await post_form(browser, {"personen": "1", "taetigkeiten": "1"})

    assert response.status_code == 422
    html = response.text
    assert "<title>Fehler: Gewerbe anmelden" in html
    links = summary_links(html)
    assert len(links) >= 10
    assert {target for target, _ in links} <= ids(html)
    assert ("persons-0-family_name", "Bitte füllen Sie das Feld „Familienname (Person 1)“ aus.") in links
    assert 'aria-describedby="persons-0-family_name-fehler"' in html
    assert repo.cases == {}


async def test_the_bad_input_of_the_issue_gets_clear_german_errors_at_the_fields(
    browser: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    bad = {
        **VALID_FORM,
        "effective_date": "01.06.2027",
        "establishment.address.city": "Augustusburg",
        "establishment.address.postal_code": "09573",
        "legal_form": "gmbh",
        "company.name": "Muster Software GmbH",
        "persons.0.role": "gesetzlicher_vertreter",
    }
    response = await post_form(browser, bad)

    assert response.status_code == 422
    assert summary_links(response.text) == [
        (
            "effective_date",
            "Beginn der Tätigkeit (01.06.2027) liegt mehr als sechs Wochen in der Zukunft. Bitte zeigen Sie das Gewerbe frühestens sechs Wochen vorher an.",
        ),
        (
            "establishment-address-city",
            "Die Betriebsstätte liegt nicht in Wurzen. Zuständig ist das Gewerbeamt der Gemeinde, in der die Betriebsstätte liegt (Augustusburg).",
        ),
        (
            "company-register_entry-number",
            "Für die Rechtsform Gesellschaft mit beschränkter Haftung (GmbH) sind Registergericht und Registernummer anzugeben.",
        ),
    ]
    assert repo.cases == {}


async def test_dates_numbers_and_towns_the_form_cannot_read_are_named(browser: httpx.AsyncClient) -> None:
    response = await post_form(
        browser,
        {
            **VALID_FORM,
            "effective_date": "nächste Woche",
            "employees_full_time": "zwei",
            "establishment.address.city": "Atlantis",
        },
    )
    messages = dict(summary_links(response.text))
    assert messages["effective_date"].startswith(
        "Bitte geben Sie im Feld „Beginn der Tätigkeit“ ein Datum im Format TT.MM.JJJJ an"
    )
    assert messages["employees_full_time"].startswith(
        "Bitte geben Sie im Feld „Zahl der Vollzeitbeschäftigten“ eine ganze Zahl"
    )
    assert messages["establishment-address-city"].startswith("„Atlantis“ ist keine sächsische Gemeinde.")


async def test_a_gbr_adds_its_second_partner_without_javascript(
    browser: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    gbr = {
        **VALID_FORM,
        "legal_form": "gbr",
        "company.name": "Mustermann & Schmidt GbR",
        "persons.0.role": "gesellschafter",
    }

    alone = await post_form(browser, gbr)
    added = await post_form(browser, gbr, action="person_hinzufuegen")

    assert alone.status_code == 422 and "mindestens zwei" in alone.text
    assert added.status_code == 200
    assert 'id="persons-1-given_names"' in added.text and "autofocus" in added.text
    assert 'value="Mustermann &amp; Schmidt GbR"' in added.text  # what was typed stays
    second = {
        f"persons.1.{key.split('.', 2)[2]}": value for key, value in gbr.items() if key.startswith("persons.0.")
    } | {"persons.1.given_names": "Max", "persons.1.family_name": "Schmidt", "personen": "2"}
    checked = await post_form(browser, {**gbr, **second})
    assert checked.status_code == 200, summary_links(checked.text)
    assert "Person 2: geschäftsführende Gesellschafterin" in checked.text


async def test_removing_a_person_moves_the_later_ones_up(browser: httpx.AsyncClient) -> None:
    three = {**VALID_FORM, "personen": "3", "persons.1.family_name": "Zweite", "persons.2.family_name": "Dritte"}
    response = await post_form(browser, three, action="person_entfernen:1")

    assert 'name="personen" value="2"' in response.text
    assert 'value="Dritte"' in response.text and 'value="Zweite"' not in response.text


async def test_wz_suggestions_are_offered_and_the_chosen_one_is_filed_with_its_confidence(
    browser: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    form = {**VALID_FORM, "activities.0.description": "Friseursalon", "activities.0.wz_code": ""}
    shown = await post_form(browser, form, action="wz_vorschlaege:0")

    assert shown.status_code == 200
    assert 'name="activities.0.wz_vorschlag" value="96.02.1"' in shown.text
    assert "Frisörsalons" in shown.text

    chosen = {**form, "activities.0.vorschlaege": "ja", "activities.0.wz_vorschlag": "96.02.1"}
    response = await post_form(browser, chosen, action="absenden")
    assert response.status_code == 303
    [case] = repo.cases.values()
    line = parse_payload(case["payload"]).activities[0]
    assert line.wz_code == "96.02.1" and line.wz_confidence is not None and 0 < line.wz_confidence <= 1


async def test_suggestions_need_a_description_first(browser: httpx.AsyncClient) -> None:
    response = await post_form(browser, {**VALID_FORM, "activities.0.description": ""}, action="wz_vorschlaege:0")
    assert response.status_code == 422
    assert summary_links(response.text)[0][0] == "activities-0-description"


async def test_check_page_then_send_files_once_and_confirms_with_file_number_and_status_link(
    browser: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    check = await post_form(browser, VALID_FORM)
    assert check.status_code == 200
    assert "Bitte prüfen Sie Ihre Angaben" in check.text and "Sonstige Softwareentwicklung" in check.text
    assert 'type="hidden" name="persons.0.family_name" value="Mustermann"' in check.text
    assert repo.cases == {}

    sent = await post_form(browser, VALID_FORM, action="absenden")
    again = await post_form(browser, VALID_FORM, action="absenden")  # a second click, same antrag_id

    assert sent.status_code == again.status_code == 303
    assert sent.headers["location"] == again.headers["location"]
    [case] = repo.cases.values()
    assert case["channel"] == "web" and case["payload"]["persons"][0]["family_name"] == "Mustermann"
    confirmation = await browser.get(sent.headers["location"])
    assert "WUR-GEW-2026-000001" in confirmation.text
    status_link = re.search(r'href="(/vorgaenge/[^"]+)" id="vorgangslink"', confirmation.text)
    assert status_link is not None
    assert (await browser.get(status_link.group(1).replace("&amp;", "&"))).status_code == 200


async def test_the_sample_form_files_the_contracts_sample_notice(
    browser: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    """The form sample (``gewerbe_form``) and the payload sample (``gewerbe_payload``) are one notice."""
    assert (await post_form(browser, VALID_FORM, action="absenden")).status_code == 303
    [case] = repo.cases.values()
    expected = gewerbe_payload(TODAY)
    expected["persons"][0]["email"] = "erika@example.org"  # the form asks for it; the payload sample has none
    assert parse_payload(case["payload"]) == parse_payload(expected)


async def test_change_goes_back_to_the_filled_in_form(browser: httpx.AsyncClient) -> None:
    response = await post_form(browser, VALID_FORM, action="aendern")
    assert response.status_code == 200
    assert 'id="persons-0-family_name" name="persons.0.family_name" type="text" value="Mustermann"' in response.text


async def test_a_post_without_the_csrf_token_is_refused(browser: httpx.AsyncClient, repo: FakeCaseRepository) -> None:
    await browser.get(FORM_URL)
    response = await browser.post(FORM_URL, data={**VALID_FORM, "aktion": "absenden"})
    assert response.status_code == 403
    assert "Sicherheitsprüfung" in response.text
    assert repo.cases == {}


async def test_warnings_do_not_stop_the_notice_but_are_shown_on_the_check_page(browser: httpx.AsyncClient) -> None:
    late = {**VALID_FORM, "effective_date": "01.09.2026"}
    response = await post_form(browser, late)
    assert response.status_code == 200
    assert "Hinweise zu Ihrer Anzeige" in response.text
    assert "mehr als vier Wochen nach dem Beginn der Tätigkeit" in response.text


ABMELDUNG_URL = f"/gewerbe/abmeldung?gemeinde={WURZEN}"


async def test_an_abmeldung_asks_for_the_cause_of_a_complete_closure(
    browser: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    closing = {key: value for key, value in VALID_FORM.items() if key != "registration_reason"} | {
        "effective_date": "20.11.2026",
        "deregistration_reason": "vollstaendige_aufgabe",
    }

    missing = await post_form(browser, closing, url=ABMELDUNG_URL)
    sent = await post_form(browser, {**closing, "deregistration_cause": "alter"}, action="absenden", url=ABMELDUNG_URL)

    assert summary_links(missing.text) == [
        ("deregistration_cause", "Bitte geben Sie die Ursache der vollständigen Betriebsaufgabe an.")
    ]
    assert sent.status_code == 303
    [case] = repo.cases.values()
    notice = parse_payload(case["payload"])
    assert notice.kind.value == "abmeldung" and notice.deregistration_cause is not None


async def test_an_ummeldung_move_within_the_town_needs_the_previous_site_there(browser: httpx.AsyncClient) -> None:
    url = f"/gewerbe/ummeldung?gemeinde={WURZEN}"
    moving = {key: value for key, value in VALID_FORM.items() if key != "registration_reason"} | {
        "change_reasons": "verlegung_innerhalb",
        "previous_address.street": "Jacobsplatz",
        "previous_address.house_number": "3",
        "previous_address.postal_code": "04808",
        "previous_address.city": "Grimma",
    }
    response = await post_form(browser, moving, url=url)
    assert summary_links(response.text) == [
        (
            "previous_address-city",
            "Die bisherige Betriebsstätte liegt nicht in Wurzen. Bei einer Verlegung aus einem anderen Meldebezirk "
            "ist eine Anmeldung zu erstatten.",
        )
    ]
    fixed = await post_form(browser, {**moving, "previous_address.city": "Wurzen"}, url=url)
    assert fixed.status_code == 200 and "Verlegung des Betriebs innerhalb der Gemeinde" in fixed.text


async def test_changing_a_sent_notice_in_the_browser_does_not_file_a_second_one(
    browser: httpx.AsyncClient, repo: FakeCaseRepository
) -> None:
    first_send = await post_form(browser, VALID_FORM, action="absenden")
    changed = await post_form(browser, {**VALID_FORM, "employees_full_time": "3"}, action="absenden")

    assert first_send.status_code == 303
    assert changed.status_code == 409
    assert "Diese Anzeige ist bereits abgeschickt" in changed.text
    assert len(repo.cases) == 1


async def test_an_antrag_id_we_did_not_hand_out_is_replaced(browser: httpx.AsyncClient) -> None:
    response = await post_form(browser, {**VALID_FORM, "antrag_id": "x" * 500}, action="aendern")
    [value] = re.findall(r'name="antrag_id" value="([^"]+)"', response.text)
    assert value != "x" * 500 and 16 <= len(value) <= 64
