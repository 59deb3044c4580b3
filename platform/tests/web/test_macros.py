"""The component macros render KERN markup with labels, hints and errors wired for assistive technology."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from ikdz_platform.web import jinja_environment
from jinja2 import Environment
from markupsafe import Markup

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(" ".join(c if isinstance(c, str) else c.text() for c in self.children).split())

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> list[Node]:
        found: list[Node] = [self]
        for child in self.children:
            if isinstance(child, Node):
                found.extend(child.iter())
        return found

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes())
            and all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one {tag} {cls} {attrs}, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> Node:
        return self.one(id=element_id)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"unbalanced </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder.root


@pytest.fixture(scope="module")
def env() -> Environment:
    return jinja_environment()


def render(env: Environment, call: str, **context: Any) -> Node:
    template = env.from_string('{% import "macros.html" as ui %}' + call)
    return parse(template.render(**context))


def describedby(node: Node) -> list[str]:
    return node.attrs.get("aria-describedby", "").split()


def test_text_field_binds_label_and_has_no_error_state_when_valid(env: Environment) -> None:
    doc = render(
        env, '{{ ui.text_field("vorname", "Vorname", value="Kim", autocomplete="given-name", required=true) }}'
    )
    field_input = doc.by_id("vorname")
    assert field_input.tag == "input"
    assert field_input.attrs["name"] == "vorname"
    assert field_input.attrs["type"] == "text"
    assert field_input.attrs["value"] == "Kim"
    assert field_input.attrs["autocomplete"] == "given-name"
    assert field_input.attrs["aria-required"] == "true"
    assert "required" not in field_input.attrs  # the server validates; the browser must not block the POST
    assert "aria-invalid" not in field_input.attrs
    assert "aria-describedby" not in field_input.attrs
    assert field_input.classes() == {"kern-form-input__input"}
    assert doc.one("label", **{"for": "vorname"}).text() == "Vorname"
    assert doc.one("div", cls="kern-form-input").classes() == {"kern-form-input"}


def test_text_field_with_hint_and_error_links_both_and_marks_invalid(env: Environment) -> None:
    doc = render(
        env,
        '{{ ui.text_field("email", "E-Mail-Adresse", value="x", error="Geben Sie eine gültige E-Mail-Adresse ein.",'
        ' hint="Für die Eingangsbestätigung.", type="email") }}',
    )
    field_input = doc.by_id("email")
    assert field_input.attrs["type"] == "email"
    assert field_input.attrs["aria-invalid"] == "true"
    assert describedby(field_input) == ["email-hinweis", "email-fehler"]
    assert "kern-form-input__input--error" in field_input.classes()
    assert "kern-form-input--error" in doc.one("div", cls="kern-form-input").classes()
    assert doc.by_id("email-hinweis").text() == "Für die Eingangsbestätigung."
    error = doc.by_id("email-fehler")
    assert "kern-error" in error.classes()
    # Not by colour alone: an icon hidden from AT plus a spoken "Fehler:" prefix and the message.
    assert error.one("span", cls="kern-icon").attrs["aria-hidden"] == "true"
    assert error.text() == "Fehler: Geben Sie eine gültige E-Mail-Adresse ein."
    assert doc.one("span", cls="kern-sr-only").text() == "Fehler:"


def test_optional_fields_are_marked_in_the_label(env: Environment) -> None:
    doc = render(env, '{{ ui.text_field("telefon", "Telefonnummer", type="tel") }}')
    assert doc.one("label").text() == "Telefonnummer (optional)"
    doc = render(env, '{{ ui.text_field("suche", "Suche", show_optional=false) }}')
    assert doc.one("label").text() == "Suche"


def test_field_id_can_differ_from_name(env: Environment) -> None:
    doc = render(env, '{{ ui.text_field("person.vorname", "Vorname", id="person-vorname", error="Fehlt.") }}')
    field_input = doc.by_id("person-vorname")
    assert field_input.attrs["name"] == "person.vorname"
    assert describedby(field_input) == ["person-vorname-fehler"]
    assert doc.one("label").attrs["for"] == "person-vorname"


def test_values_and_messages_are_escaped(env: Environment) -> None:
    html = env.from_string(
        '{% import "macros.html" as ui %}{{ ui.text_field("n", "<b>L</b>", value=v, error=e) }}'
    ).render(v='"><script>alert(1)</script>', e="<img src=x>")
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;b&gt;L&lt;/b&gt;" in html


def test_select_marks_selected_option_and_error(env: Environment) -> None:
    doc = render(
        env,
        '{{ ui.select_field("gemeinde", "Gemeinde", [("14729050", "Bennewitz"), ("14729430", "Wurzen")],'
        ' value="14729430", error="Wählen Sie eine Gemeinde aus.", hint="Ihr Wohnort.", required=true) }}',
    )
    select = doc.by_id("gemeinde")
    assert select.tag == "select"
    assert {"kern-form-input__select", "kern-form-input__select--error"} <= select.classes()
    assert select.parent is not None and "kern-form-input__select-wrapper" in select.parent.classes()
    assert select.attrs["aria-invalid"] == "true"
    assert describedby(select) == ["gemeinde-hinweis", "gemeinde-fehler"]
    options = select.find_all("option")
    assert [o.attrs["value"] for o in options] == ["", "14729050", "14729430"]
    assert options[0].text() == "Bitte auswählen"
    assert [("selected" in o.attrs) for o in options] == [False, False, True]
    assert doc.one("label", **{"for": "gemeinde"}).text() == "Gemeinde"


def test_radio_group_is_a_fieldset_whose_first_option_takes_the_field_id(env: Environment) -> None:
    doc = render(
        env,
        '{{ ui.radio_group("zustellung", "Wie möchten Sie den Bescheid erhalten?", [("post", "Per Post"),'
        ' ("digital", "Digital")], value="digital", error="Wählen Sie eine Zustellart aus.", hint="Eine Auswahl.") }}',
    )
    fieldset = doc.one("fieldset")
    assert {"kern-fieldset", "kern-fieldset--error"} <= fieldset.classes()
    assert describedby(fieldset) == ["zustellung-hinweis", "zustellung-fehler"]
    assert fieldset.one("legend", cls="kern-label").text().startswith("Wie möchten Sie den Bescheid erhalten?")
    radios = doc.find_all("input", type="radio")
    assert [r.attrs["id"] for r in radios] == ["zustellung", "zustellung-2"]
    assert all(r.attrs["name"] == "zustellung" for r in radios)
    assert all({"kern-form-check__radio", "kern-form-check__radio--error"} <= r.classes() for r in radios)
    assert all(r.attrs["aria-invalid"] == "true" for r in radios)
    assert ["checked" in r.attrs for r in radios] == [False, True]
    assert doc.one("label", **{"for": "zustellung-2"}).text() == "Digital"
    assert doc.by_id("zustellung-fehler").parent is fieldset


def test_checkbox_group_checks_given_values(env: Environment) -> None:
    doc = render(
        env,
        '{{ ui.checkbox_group("themen", "Themen", [("status", "Status"), ("fristen", "Fristen"), (3, "Drei")],'
        ' values=["fristen", "3"], horizontal=true) }}',
    )
    boxes = doc.find_all("input", type="checkbox")
    assert ["checked" in b.attrs for b in boxes] == [False, True, True]
    assert "kern-fieldset__body--horizontal" in doc.one("div", cls="kern-fieldset__body").classes()
    assert doc.one("legend").text() == "Themen (optional)"


def test_single_checkbox_with_error(env: Environment) -> None:
    doc = render(env, '{{ ui.checkbox("zustimmung", "Ich stimme zu.", error="Bitte bestätigen.", required=true) }}')
    box = doc.by_id("zustimmung")
    assert box.attrs["type"] == "checkbox"
    assert box.attrs["value"] == "ja"
    assert box.attrs["aria-invalid"] == "true"
    assert box.attrs["aria-required"] == "true"
    assert describedby(box) == ["zustimmung-fehler"]
    assert "kern-form-check--error" in doc.one("div", cls="kern-form-check").classes()
    assert doc.one("label", **{"for": "zustimmung"}).text() == "Ich stimme zu."


def test_textarea_and_file_fields(env: Environment) -> None:
    doc = render(
        env,
        '{{ ui.textarea_field("anmerkung", "Anmerkung", value="a < b", hint="Kurz.") }}'
        '{{ ui.file_field("nachweis", "Nachweis", accept=".pdf", error="Die Datei ist größer als 10 MB.") }}',
    )
    area = doc.by_id("anmerkung")
    assert area.tag == "textarea"
    assert area.text() == "a < b"
    assert describedby(area) == ["anmerkung-hinweis"]
    upload = doc.by_id("nachweis")
    assert upload.attrs["type"] == "file"
    assert upload.attrs["accept"] == ".pdf"
    assert describedby(upload) == ["nachweis-fehler"]


def test_error_summary_links_every_message_to_its_field(env: Environment) -> None:
    doc = render(
        env,
        "{{ ui.error_summary(errors) }}",
        errors=[("vorname", "Geben Sie Ihren Vornamen ein."), ("zustellung", "Wählen Sie eine Zustellart aus.")],
    )
    summary = doc.by_id("fehlerzusammenfassung")
    assert summary.attrs["role"] == "alert"
    assert summary.attrs["tabindex"] == "-1"
    assert "autofocus" in summary.attrs
    assert {"kern-alert", "kern-alert--danger"} <= summary.classes()
    assert summary.attrs["aria-labelledby"] == "fehlerzusammenfassung-titel"
    assert doc.by_id("fehlerzusammenfassung-titel").tag == "h2"
    links = summary.find_all("a")
    assert [(a.attrs["href"], a.text()) for a in links] == [
        ("#vorname", "Geben Sie Ihren Vornamen ein."),
        ("#zustellung", "Wählen Sie eine Zustellart aus."),
    ]
    assert "2 Angaben" in summary.text()


def test_error_summary_renders_nothing_without_errors(env: Environment) -> None:
    assert env.from_string('{% import "macros.html" as ui %}{{ ui.error_summary([]) }}').render().strip() == ""


@pytest.mark.parametrize(
    ("kind", "variant", "role", "prefix"),
    [
        ("info", "info", None, "Information"),
        ("success", "success", "status", "Erfolg"),
        ("warning", "warning", None, "Warnung"),
        ("error", "danger", "alert", "Fehler"),
    ],
)
def test_alert_variants_state_their_kind_in_text(
    env: Environment, kind: str, variant: str, role: str | None, prefix: str
) -> None:
    doc = render(env, "{{ ui.alert(kind, 'Titel', 'Text') }}", kind=kind)
    box = doc.one("div", cls="kern-alert")
    assert f"kern-alert--{variant}" in box.classes()
    assert box.attrs.get("role") == role
    assert box.one("span", cls="kern-icon").attrs["aria-hidden"] == "true"
    assert f"kern-icon--{variant}" in box.one("span", cls="kern-icon").classes()
    assert box.one("span", cls="kern-title").text() == f"{prefix}: Titel"
    assert box.one("p", cls="kern-body").text() == "Text"


def test_alert_takes_a_caller_body(env: Environment) -> None:
    doc = render(env, '{% call ui.alert("info", "Hinweis", heading_level=2) %}<p>Mehr</p>{% endcall %}')
    assert doc.one("h2", cls="kern-title").text() == "Information: Hinweis"
    assert doc.one("div", cls="kern-alert__body").text() == "Mehr"


def test_buttons_and_button_links(env: Environment) -> None:
    doc = render(
        env,
        '{{ ui.button("Absenden") }}{{ ui.button("Zurück", href="/zurueck", variant="secondary") }}'
        '{{ ui.button("Übernehmen", name="aktion", value="uebernehmen", variant="tertiary", type="submit") }}',
    )
    first, third = doc.find_all("button")
    assert first.attrs["type"] == "submit"
    assert first.classes() == {"kern-btn", "kern-btn--primary"}
    assert first.one("span", cls="kern-label").text() == "Absenden"
    link = doc.one("a")
    assert link.attrs["href"] == "/zurueck"
    assert link.classes() == {"kern-btn", "kern-btn--secondary"}
    assert (third.attrs["name"], third.attrs["value"]) == ("aktion", "uebernehmen")


def test_table_has_caption_scoped_headers_and_numeric_cells(env: Environment) -> None:
    doc = render(
        env,
        '{{ ui.table("Offene Aufgaben", ["Aktenzeichen", "Aufgabe", "Tage"], rows, numeric=(2,), row_headers=true) }}',
        rows=[["WUR-1", "Prüfen", 3], ["WUR-2", Markup('<a href="/a/2">Öffnen</a>'), 12]],
    )
    table = doc.one("table", cls="kern-table")
    assert table.one("caption").text() == "Offene Aufgaben"
    assert [th.attrs["scope"] for th in table.one("thead").find_all("th")] == ["col", "col", "col"]
    body = table.one("tbody", cls="kern-table__body")
    row_headers = body.find_all("th")
    assert [(th.attrs["scope"], th.text()) for th in row_headers] == [("row", "WUR-1"), ("row", "WUR-2")]
    numeric = body.find_all("td", cls="kern-table__cell--numeric")
    assert [td.text() for td in numeric] == ["3", "12"]
    assert body.one("a").attrs["href"] == "/a/2"


def test_empty_table_says_so(env: Environment) -> None:
    doc = render(env, '{{ ui.table("Erledigt", ["A", "B"], []) }}')
    cell = doc.one("td")
    assert cell.attrs["colspan"] == "2"
    assert cell.text() == "Keine Einträge vorhanden."


def test_status_timeline_marks_current_step_and_states_in_text(env: Environment) -> None:
    doc = render(
        env,
        "{{ ui.status_timeline(entries, title='Bearbeitungsstand') }}",
        entries=[
            {"label": "Antrag eingegangen", "state": "done", "date": "25.11.2026"},
            {"label": "Prüfung", "state": "current"},
            {"label": "Bescheid", "state": "open", "status": "Noch offen"},
        ],
    )
    assert doc.one("h2").text() == "Bearbeitungsstand"
    items = doc.one("ol", cls="kern-task-list__list").find_all("li", cls="kern-task-list__item")
    assert [i.attrs.get("aria-current") for i in items] == [None, "step", None]
    badges = [i.one("span", cls="kern-badge") for i in items]
    assert [b.text() for b in badges] == ["Erledigt", "In Bearbeitung", "Noch offen"]
    assert "kern-badge--success" in badges[0].classes()
    assert "25.11.2026" in items[0].text()


def test_summary_list_with_title_number_and_edit_link(env: Environment) -> None:
    doc = render(
        env,
        "{{ ui.summary_list([('Vorname', 'Kim'), ('Telefon', '')], title='Angaben zur Person', number=1,"
        " edit_href='/antrag#vorname') }}",
    )
    section = doc.one("section", cls="kern-summary")
    heading = section.one("h3")
    assert section.attrs["aria-labelledby"] == heading.attrs["id"]
    assert heading.text() == "1 Angaben zur Person"
    pairs = [
        (item.one("dt").text(), item.one("dd").text())
        for item in section.find_all("div", cls="kern-description-list-item")
    ]
    assert pairs == [("Vorname", "Kim"), ("Telefon", "–")]
    edit = section.one("a")
    assert edit.attrs["href"] == "/antrag#vorname"
    assert edit.attrs["aria-describedby"] == heading.attrs["id"]


def test_summary_list_without_title_is_a_plain_description_list(env: Environment) -> None:
    doc = render(env, "{{ ui.summary_list([('Aktenzeichen', 'WUR-1')]) }}")
    assert doc.one("dl", cls="kern-description-list").one("dd").text() == "WUR-1"
    assert doc.find_all("section") == []


def test_progress_states_step_in_text(env: Environment) -> None:
    doc = render(env, "{{ ui.progress(2, 4) }}")
    bar = doc.one("progress")
    assert (bar.attrs["value"], bar.attrs["max"]) == ("2", "4")
    assert doc.one("label", **{"for": bar.attrs["id"]}).text() == "Schritt 2 von 4"


def test_csrf_field(env: Environment) -> None:
    doc = render(env, '{{ ui.csrf_field("abc.def") }}')
    hidden = doc.one("input")
    assert hidden.attrs == {"type": "hidden", "name": "csrf_token", "value": "abc.def"}
