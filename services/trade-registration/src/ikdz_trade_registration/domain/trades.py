"""The decision table of the Gewerbeanzeige as data: categories, their outcome and task, and triggers.

A category is one row of the table in ``docs/gewerbe.md``. An activity line falls into a category
through its WZ 2008 code (prefix of the dotted Unterklasse, so ``92.00`` covers ``92.00.1``–``.3``),
through a keyword pattern in the applicant's own words, or through a self-declaration (a permit,
alcohol, Reisegewerbe). One WZ class can mix permit-free and permit trades, so both keys are used
and a match on either opens the task: the lists are deliberately wide. A false hit costs a clerk a
minute; a missed permit trade would be silent automation.

Keyword patterns are regular expressions in lower case, matched case-insensitively anywhere in the
text (German compounds: ``makler`` must hit ``Immobilienmakler``). Sources of each list are in the comments and
in ``docs/gewerbe.md``; the Anlage A list follows the Handwerksordnung as amended in 2020 (53 trades).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """How far the case runs without a human (strictest wins: STOP > AUTO_WITH_TASKS > AUTO)."""

    AUTO = "auto"
    AUTO_WITH_TASKS = "auto_with_tasks"
    STOP = "stop"

    @property
    def rank(self) -> int:
        return {"auto": 0, "auto_with_tasks": 1, "stop": 2}[self.value]


class Category(StrEnum):
    """One row of the decision table."""

    INCOMPLETE = "incomplete"
    NOT_A_TRADE = "not_a_trade"
    TRAVELLING_TRADE = "travelling_trade"
    PERMIT_30 = "permit_30"
    PERMIT_33A = "permit_33a"
    PERMIT_GAMING = "permit_gaming"
    PERMIT_34 = "permit_34"
    PERMIT_34A = "permit_34a"
    PERMIT_34B = "permit_34b"
    PERMIT_34C = "permit_34c"
    FINANCIAL_BROKER = "financial_broker"
    RELIABILITY_38 = "reliability_38"
    HANDWERK_A = "handwerk_a"
    GASTSTAETTE_ALCOHOL = "gaststaette_alcohol"
    NON_EU_NATIONAL = "non_eu_national"
    SPECIAL_LAW = "special_law"
    WZ_LOW_CONFIDENCE = "wz_low_confidence"
    PLAUSIBILITY = "plausibility"
    FEE_NOT_CONFIGURED = "fee_not_configured"


@dataclass(frozen=True)
class TaskTemplate:
    """What a clerk is asked to do for a category; outcomes are ``(code, German label)``."""

    kind: str
    title_de: str
    instructions_de: str
    skills: tuple[str, ...]
    outcomes: tuple[tuple[str, str], ...]
    due_in_days: int


@dataclass(frozen=True)
class Row:
    """A row of the decision table: when it applies (label), its legal basis, outcome and task."""

    category: Category
    label_de: str
    legal_basis: str
    outcome: Outcome
    task: TaskTemplate


_SIMPLE_CASE = re.compile(r"[\x00-\xb4\xb6-\xff\u2010-\u205e\u20ac]*")
"""Text whose lower-case form matches a lower-case pattern exactly where the text matches it case-insensitively:
Latin-1 without "µ", typographic punctuation and "€". Python's case-insensitive matching also pairs
characters beyond (ſ with s, K with the Kelvin sign, ẞ with ß, İ with i); such text takes the slow path."""


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    return next((found for pattern in patterns if (found := pattern.search(text)) is not None), None)


@dataclass(frozen=True)
class Trigger:
    """WZ prefixes and keyword patterns that put an activity line into a category.

    Case-insensitive search runs character by character (about 1 µs per pattern and line, over 200
    patterns), so text of :data:`_SIMPLE_CASE` is lowered once and searched case-sensitively, first
    with all of a trigger's patterns in one expression: the same hits, at about a fifth of the CPU.
    """

    category: Category
    wz_prefixes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _lowered: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _any_lowered: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if any(keyword != keyword.lower() for keyword in self.keywords):
            msg = f"keywords of {self.category} must be lower case"
            raise ValueError(msg)
        object.__setattr__(self, "patterns", tuple(re.compile(k, re.IGNORECASE) for k in self.keywords))
        object.__setattr__(self, "_lowered", tuple(re.compile(k) for k in self.keywords))
        combined = re.compile("|".join(f"(?:{k})" for k in self.keywords)) if self.keywords else None
        object.__setattr__(self, "_any_lowered", combined)

    def wz_match(self, code: str) -> str | None:
        return next((prefix for prefix in self.wz_prefixes if code.startswith(prefix)), None)

    def keyword_match(self, text: str) -> str | None:
        """The text the first matching pattern found (as written), or None."""
        if self._any_lowered is None:
            return None
        if _SIMPLE_CASE.fullmatch(text) is None:
            found = _first(self.patterns, text)
            return None if found is None else found.group(0)
        lowered = text.lower()  # one character for one in this range: the spans are the text's
        if self._any_lowered.search(lowered) is None:
            return None
        found = _first(self._lowered, lowered)
        return None if found is None else text[found.start() : found.end()]


_PERMIT_OUTCOMES = (
    ("permit_present", "Erlaubnis liegt vor"),
    ("permit_requested", "Erlaubnisantrag angefordert oder gestellt"),
    ("prohibition_review", "Verhinderung der Fortsetzung (§ 15 Abs. 2 GewO) prüfen"),
    ("not_required", "Keine Erlaubnis erforderlich"),
)


def _permit_row(category: Category, label: str, basis: str, what: str) -> Row:
    return Row(
        category=category,
        label_de=label,
        legal_basis=basis,
        outcome=Outcome.AUTO_WITH_TASKS,
        task=TaskTemplate(
            kind="gewerbe.permit_check",
            title_de=f"Erlaubnis prüfen: {label}",
            instructions_de=(
                f"Die angezeigte Tätigkeit ({what}) ist erlaubnispflichtig nach {basis}. Prüfen Sie, ob die "
                "Erlaubnis vorliegt (angegebene Erlaubnisse siehe Kontext); fehlt sie, fordern Sie den Antrag an "
                "oder prüfen Sie die Verhinderung der Fortsetzung des Betriebs nach § 15 Abs. 2 GewO. Die "
                "Empfangsbestätigung ist bereits erteilt."
            ),
            skills=("gewerbe", "gewerbe.erlaubnis"),
            outcomes=_PERMIT_OUTCOMES,
            due_in_days=14,
        ),
    )


ROWS: dict[Category, Row] = {
    row.category: row
    for row in (
        Row(
            Category.INCOMPLETE,
            "Angaben unvollständig oder widersprüchlich",
            "§ 14 GewO, GewAnzV",
            Outcome.STOP,
            TaskTemplate(
                kind="gewerbe.clarify_with_applicant",
                title_de="Rückfrage zur Gewerbeanzeige",
                instructions_de=(
                    "Die Anzeige ist unvollständig oder widersprüchlich (Fehler je Feld siehe Kontext). Klären Sie "
                    "die Angaben mit der anzeigenden Person; die Frist für die Empfangsbestätigung (§ 15 Abs. 1 "
                    "GewO: drei Tage) läuft erst mit einer vollständigen Anzeige."
                ),
                skills=("gewerbe",),
                outcomes=(
                    ("corrected", "Angaben ergänzt: erneut prüfen"),
                    ("withdrawn", "Anzeige zurückgezogen"),
                    ("rejected", "Anzeige zurückgewiesen"),
                ),
                due_in_days=3,
            ),
        ),
        Row(
            Category.NOT_A_TRADE,
            "Möglicherweise kein Gewerbe (freier Beruf, Urproduktion, Verwaltung eigenen Vermögens)",
            "§ 6 GewO, § 18 EStG, Rechtsprechung zum Gewerbebegriff",
            Outcome.STOP,
            TaskTemplate(
                kind="gewerbe.trade_status_review",
                title_de="Prüfen, ob ein Gewerbe vorliegt",
                instructions_de=(
                    "Die Tätigkeit deutet auf einen freien Beruf, Urproduktion oder die Verwaltung eigenen Vermögens "
                    "hin. Vorschlag: Anzeige zurückweisen und an das Finanzamt verweisen. Bestätigen Sie den "
                    "Vorschlag oder stellen Sie fest, dass ein Gewerbe vorliegt; dann wird die Empfangsbestätigung "
                    "automatisch erteilt."
                ),
                skills=("gewerbe",),
                outcomes=(
                    ("reject", "Kein Gewerbe: Anzeige zurückweisen, an das Finanzamt verweisen"),
                    ("is_trade", "Gewerbe: Empfangsbestätigung erteilen"),
                ),
                due_in_days=3,
            ),
        ),
        Row(
            Category.TRAVELLING_TRADE,
            "Reisegewerbe",
            "§§ 55 ff. GewO",
            Outcome.STOP,
            TaskTemplate(
                kind="gewerbe.travelling_trade_review",
                title_de="Reisegewerbe: Reisegewerbekarte statt Gewerbeanzeige",
                instructions_de=(
                    "Die Anzeige betrifft ein Reisegewerbe. Dafür ist eine Reisegewerbekarte zu beantragen "
                    "(§ 55 GewO, eigenes Verfahren). Verweisen Sie die anzeigende Person dorthin, oder stellen Sie "
                    "fest, dass (auch) ein stehendes Gewerbe angezeigt wird."
                ),
                skills=("gewerbe",),
                outcomes=(
                    ("refer_reisegewerbekarte", "An das Verfahren Reisegewerbekarte verweisen"),
                    ("stehendes_gewerbe", "Stehendes Gewerbe: Empfangsbestätigung erteilen"),
                ),
                due_in_days=3,
            ),
        ),
        _permit_row(Category.PERMIT_30, "Privatkrankenanstalt", "§ 30 GewO", "Privatklinik"),
        _permit_row(Category.PERMIT_33A, "Schaustellung von Personen", "§ 33a GewO", "Schaustellung von Personen"),
        _permit_row(
            Category.PERMIT_GAMING,
            "Spielgeräte, Spiele mit Gewinnmöglichkeit, Spielhalle",
            "§§ 33c, 33d, 33i GewO",
            "Aufstellen von Spielgeräten, Spiele mit Gewinnmöglichkeit oder Spielhalle",
        ),
        _permit_row(Category.PERMIT_34, "Pfandleihe", "§ 34 GewO", "Pfandleihgewerbe"),
        _permit_row(
            Category.PERMIT_34A,
            "Bewachungsgewerbe",
            "§ 34a GewO (Bewacherregister § 11b GewO)",
            "Bewachung; Eintragung im Bewacherregister prüfen",
        ),
        _permit_row(Category.PERMIT_34B, "Versteigerergewerbe", "§ 34b GewO", "Versteigerung"),
        _permit_row(
            Category.PERMIT_34C,
            "Makler, Bauträger, Baubetreuer, Wohnimmobilienverwalter",
            "§ 34c GewO",
            "Immobilienmakler, Darlehensvermittler, Bauträger, Baubetreuer oder Wohnimmobilienverwalter",
        ),
        Row(
            Category.FINANCIAL_BROKER,
            "Versicherungs-, Finanzanlagen- oder Immobiliardarlehensvermittlung",
            "§§ 34d, 34f, 34h, 34i GewO",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.broker_register_check",
                title_de="Vermittlerregister: Registernummer anfordern",
                instructions_de=(
                    "Vermittler nach §§ 34d, 34f, 34h, 34i GewO brauchen eine Erlaubnis der IHK und eine "
                    "Eintragung im Vermittlerregister (§ 11a GewO). Fordern Sie die Registernummer an und prüfen "
                    "Sie die Eintragung."
                ),
                skills=("gewerbe", "gewerbe.erlaubnis"),
                outcomes=(
                    ("registered", "Eintragung im Vermittlerregister bestätigt"),
                    ("requested", "Registernummer angefordert"),
                    ("prohibition_review", "Verhinderung der Fortsetzung (§ 15 Abs. 2 GewO) prüfen"),
                    ("not_required", "Keine Erlaubnis erforderlich"),
                ),
                due_in_days=14,
            ),
        ),
        Row(
            Category.RELIABILITY_38,
            "Überwachungsbedürftiges Gewerbe",
            "§ 38 GewO",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.reliability_check",
                title_de="Zuverlässigkeit prüfen (§ 38 GewO)",
                instructions_de=(
                    "Überwachungsbedürftiges Gewerbe: Prüfen Sie unverzüglich nach der Anzeige die "
                    "Zuverlässigkeit. Führungszeugnis (Belegart O) und Auszug aus dem Gewerbezentralregister "
                    "(Belegart 9) anfordern, falls nicht vorgelegt (§ 38 Abs. 1 Satz 2 GewO)."
                ),
                skills=("gewerbe", "gewerbe.zuverlaessigkeit"),
                outcomes=(
                    ("reliable", "Keine Bedenken gegen die Zuverlässigkeit"),
                    ("documents_requested", "Führungszeugnis/GZR-Auszug angefordert"),
                    ("prohibition_proceedings", "Untersagungsverfahren (§ 35 GewO) einleiten"),
                ),
                due_in_days=7,
            ),
        ),
        Row(
            Category.HANDWERK_A,
            "Zulassungspflichtiges Handwerk (Anlage A HwO)",
            "§§ 1, 7 HwO",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.handwerk_check",
                title_de="Handwerkskarte prüfen",
                instructions_de=(
                    "Die Tätigkeit gehört möglicherweise zu einem zulassungspflichtigen Handwerk (Anlage A HwO). "
                    "Prüfen Sie die Eintragung in die Handwerksrolle (Handwerkskarte) oder beteiligen Sie die "
                    "Handwerkskammer. Anlage-B-Handwerke brauchen nur die Eintragung, keinen Meisterbrief."
                ),
                skills=("gewerbe", "gewerbe.handwerk"),
                outcomes=(
                    ("handwerkskarte_present", "Handwerkskarte liegt vor"),
                    ("hwk_involved", "Handwerkskammer zur Prüfung eingeschaltet"),
                    ("not_anlage_a", "Kein zulassungspflichtiges Handwerk"),
                ),
                due_in_days=14,
            ),
        ),
        Row(
            Category.GASTSTAETTE_ALCOHOL,
            "Gaststätte mit Alkoholausschank",
            "§§ 2, 4 SächsGastG",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.gaststaette_check",
                title_de="Gaststätte mit Alkoholausschank: Zuverlässigkeit prüfen",
                instructions_de=(
                    "Gaststätte mit Alkoholausschank: keine Erlaubnis in Sachsen, aber Anzeige vier Wochen vor "
                    "Eröffnung (§ 2 SächsGastG). Zuverlässigkeit prüfen: Führungszeugnis, GZR-Auszug, "
                    "Insolvenz- und Schuldnerverzeichnis, steuerliche Unbedenklichkeitsbescheinigung. Bei "
                    "Bedenken Untersagung nach § 4 Abs. 4 SächsGastG prüfen."
                ),
                skills=("gewerbe", "gewerbe.gaststaetten"),
                outcomes=(
                    ("no_concerns", "Keine Bedenken"),
                    ("documents_requested", "Nachweise angefordert"),
                    ("prohibition_review", "Untersagung (§ 4 Abs. 4 SächsGastG) prüfen"),
                ),
                due_in_days=14,
            ),
        ),
        Row(
            Category.NON_EU_NATIONAL,
            "Person ohne Staatsangehörigkeit der EU, des EWR oder der Schweiz",
            "§§ 4a, 21 AufenthG",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.residence_title_check",
                title_de="Aufenthaltstitel prüfen",
                instructions_de=(
                    "Prüfen Sie, ob der Aufenthaltstitel die selbständige Erwerbstätigkeit erlaubt (§ 4a AufenthG); "
                    "die Ausländerbehörde erhält ihre Nachricht automatisch."
                ),
                skills=("gewerbe", "aufenthaltsrecht"),
                outcomes=(
                    ("permitted", "Selbständige Tätigkeit erlaubt"),
                    ("auslaenderbehoerde_involved", "Ausländerbehörde zur Prüfung eingeschaltet"),
                    ("not_permitted", "Selbständige Tätigkeit nicht erlaubt"),
                ),
                due_in_days=7,
            ),
        ),
        Row(
            Category.SPECIAL_LAW,
            "Tätigkeit nach besonderem Recht (Apotheke, Arbeitnehmerüberlassung, Personen- oder Güterbeförderung, Fahrschule, Waffen, Inkasso …)",
            "ApoG, AÜG, PBefG, GüKG, FahrlG, WaffG, SprengG, RDG",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.special_law_referral",
                title_de="An die zuständige Behörde verweisen",
                instructions_de=(
                    "Für die Tätigkeit ist eine Erlaubnis oder Registrierung nach besonderem Recht nötig, die "
                    "eine andere Behörde erteilt. Weisen Sie die anzeigende Person darauf hin und unterrichten "
                    "Sie gegebenenfalls die zuständige Behörde."
                ),
                skills=("gewerbe",),
                outcomes=(("referred", "Auf zuständige Behörde verwiesen"), ("not_required", "Nicht einschlägig")),
                due_in_days=14,
            ),
        ),
        Row(
            Category.WZ_LOW_CONFIDENCE,
            "WZ-Schlüssel mit geringer Sicherheit vorgeschlagen",
            "§ 14 Abs. 13 GewO (Statistik)",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.wz_confirmation",
                title_de="WZ-Schlüssel bestätigen",
                instructions_de=(
                    "Der WZ-2008-Schlüssel wurde mit geringer Sicherheit vorgeschlagen. Bestätigen oder "
                    "korrigieren Sie ihn anhand der Tätigkeitsbeschreibung."
                ),
                skills=("gewerbe",),
                outcomes=(("confirmed", "WZ-Schlüssel bestätigt"), ("corrected", "WZ-Schlüssel korrigiert")),
                due_in_days=3,
            ),
        ),
        Row(
            Category.PLAUSIBILITY,
            "Hinweise zur Plausibilität",
            "§ 14 GewO, § 146 Abs. 2 Nr. 2 GewO",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.plausibility_review",
                title_de="Hinweise zur Gewerbeanzeige prüfen",
                instructions_de=(
                    "Die Anzeige ist vollständig, enthält aber Auffälligkeiten (siehe Kontext), etwa eine "
                    "verspätete Anzeige oder eine minderjährige Person. Prüfen Sie sie; die Empfangsbestätigung "
                    "ist bereits erteilt."
                ),
                skills=("gewerbe",),
                outcomes=(
                    ("plausible", "Keine weiteren Schritte"),
                    ("contact_applicant", "Rückfrage bei der anzeigenden Person"),
                    ("offence_review", "Ordnungswidrigkeit prüfen (§ 146 Abs. 2 Nr. 2 GewO)"),
                ),
                due_in_days=7,
            ),
        ),
        Row(
            Category.FEE_NOT_CONFIGURED,
            "Keine feste Gebühr für die Stadt konfiguriert",
            "SächsKVZ lfd. Nr. 46 Tarifstelle 2, § 35a VwVfG",
            Outcome.AUTO_WITH_TASKS,
            TaskTemplate(
                kind="gewerbe.fee_assessment",
                title_de="Gebühr festsetzen",
                instructions_de=(
                    "Für diese Stadt und Anzeigeart ist am Tag der Anzeige keine feste Gebühr konfiguriert; ein "
                    "Gebührenbescheid kann daher nicht automatisiert erlassen werden (§ 35a VwVfG). Setzen Sie die "
                    "Gebühr im Rahmen von 22 bis 112 Euro fest."
                ),
                skills=("gewerbe",),
                outcomes=(("fee_set", "Gebühr festgesetzt"), ("no_fee", "Keine Gebühr")),
                due_in_days=3,
            ),
        ),
    )
}

# Not a Gewerbe (§ 6 GewO, freie Berufe § 18 EStG, Urproduktion, own assets). 01.6 and 02.4 (services
# for farming and forestry) are a trade; 85.53 (driving schools) is under SPECIAL_LAW.
_NOT_A_TRADE_WZ = (
    "01.1", "01.2", "01.3", "01.4", "01.5", "01.7", "02.1", "02.2", "02.3", "03.",  # Urproduktion
    "69.10", "69.20.1", "69.20.2", "69.20.3",  # lawyers, notaries, auditors, tax advisers
    "70.10.1", "68.20",  # holding companies, letting own property: managing own assets
    "71.11", "74.30", "75.00.1",  # architects, translators and interpreters, vets
    "85.1", "85.2", "85.3", "85.4", "85.51", "85.52", "85.59", "85.6",  # Unterrichtswesen (§ 6 GewO)
    "86.2", "86.90",  # doctors, psychotherapists, Heilhilfsberufe, Heilpraktiker
    "88.91",  # Erziehung von Kindern gegen Entgelt (§ 6 GewO)
    "90.01.3", "90.01.4", "90.03",  # artists, writers, journalists
)  # fmt: skip
_NOT_A_TRADE_WORDS = (
    r"rechtsanwalt", r"rechtsanwält", r"\bnotar", r"steuerberat", r"wirtschaftsprüf", r"\bärzt", r"\barzt",
    r"zahnarzt", r"tierarzt", r"heilpraktiker", r"physiotherap", r"psychotherap", r"hebamme", r"architekt",
    r"schriftsteller", r"journalist", r"künstler(?!agentur|vermittl|management|bedarf)", r"übersetz",
    r"dolmetsch", r"nachhilfe", r"tagesmutter", r"tagesvater", r"kindertagespflege",
    r"landwirtschaft(?!liche dienstleistung)", r"forstwirtschaft", r"fischerei", r"vermietung eigener",
    r"verwaltung (des )?eigenen vermögens",
)  # fmt: skip
_TRAVELLING_WORDS = (
    r"reisegewerbe", r"haustür(geschäft|verkauf)", r"ambulanter handel", r"ohne feste[n]? (betriebsstätte|niederlassung)",
)  # fmt: skip
_PERMIT_33A_WORDS = (
    r"striptease", r"peep.?show", r"erotik.?(show|bar|tanz)", r"schaustellung von personen", r"table.?dance",
)  # fmt: skip
_GAMING_WORDS = (
    r"spielhalle", r"spielothek", r"spielautomat", r"geldspielgerät", r"spielgerät", r"gewinnspiel",
    r"spielcasino", r"spielbank",
)  # fmt: skip
_SECURITY_WORDS = (
    r"bewach", r"sicherheitsdienst", r"security", r"türsteher", r"objektschutz", r"personenschutz",
    r"wachdienst", r"wachschutz", r"veranstaltungsschutz", r"ordnerdienst",
)  # fmt: skip
_34C_WORDS = (
    r"(?<!versicherungs)(?<!finanz)makler", r"immobilienvermittl", r"wohnungsvermittl", r"grundstücksvermittl",
    r"bauträger", r"baubetreu", r"wohnimmobilienverwalt", r"hausverwalt", r"weg.?verwalt",
    r"(?<!immobiliar)darlehensvermittl",
)  # fmt: skip
_BROKER_WORDS = (
    r"versicherungs(vermittl|makler|vertret|berat|agentur)", r"finanzanlage", r"finanzberat", r"anlageberat",
    r"immobiliardarlehen", r"baufinanzierung", r"kreditvermittl", r"honorar.?finanz",
)  # fmt: skip
# § 38 Abs. 1 GewO: Nr. 1 a–e second-hand high-value goods, vehicles, precious metals, jewellery, scrap;
# Nr. 2 Auskunfteien, Detekteien; Nr. 3 marriage/partner agencies; Nr. 4 travel agencies and
# accommodation; Nr. 5 building security incl. locksmiths; Nr. 6 opening tools.
_RELIABILITY_WZ = (
    "45.11", "45.19", "45.40", "46.77", "38.31", "47.77", "95.25", "47.79", "80.30", "82.91.2", "79.1", "79.90",
    "80.20",
)  # fmt: skip
_RELIABILITY_WORDS = (
    r"gebraucht", r"second.?hand", r"\bankauf", r"edelmetall", r"\bgold", r"silberankauf", r"schmuck", r"juwel",
    r"edelstein", r"schrott", r"altmetall", r"detektei", r"detektiv", r"auskunftei", r"partnervermittl",
    r"ehevermittl", r"bekanntschaftsvermittl", r"heiratsvermittl", r"reisebüro", r"reisevermittl",
    r"unterkunftsvermittl", r"zimmervermittl", r"ferienwohnungsvermittl", r"schlüsseldienst", r"schließanlage",
    r"einbruchschutz", r"sicherheitstechnik", r"alarmanlage", r"tresor", r"öffnungswerkzeug",
)  # fmt: skip
# Anlage A HwO (53 trades since 2020): WZ classes where they are usually coded, and every trade by stem.
_HANDWERK_WZ = (
    "41.20.1", "42.11", "43.21", "43.22", "43.29.1", "43.31", "43.32", "43.33", "43.34", "43.91", "43.99.1",
    "43.99.2", "45.20.1", "45.20.3", "45.20.4", "10.13", "10.71", "47.22", "47.24", "32.50.2", "32.50.3",
    "47.74", "47.78.1", "81.22.1", "96.02.1",
)  # fmt: skip
_HANDWERK_WORDS = (
    r"maurer", r"betonbau", r"ofenbau", r"luftheizungsbau", r"zimmerer", r"zimmerei", r"dachdeck", r"straßenbau",
    r"isolierer", r"brunnenbau", r"steinmetz", r"steinbildhau", r"stuckat", r"\bmaler(?!ei)", r"malerbetrieb",
    r"malerarbeit", r"lackierer", r"lackiererei", r"gerüstbau", r"schornsteinfeger", r"metallbau",
    r"chirurgiemechanik", r"karosserie", r"fahrzeugbau", r"feinwerkmechanik", r"zweiradmechanik",
    r"fahrradwerkstatt", r"kälteanlagenbau", r"informationstechniker", r"\bkfz", r"kraftfahrzeugtechni",
    r"autowerkstatt", r"autoreparatur", r"landmaschinenmechani", r"büchsenmacher", r"klempner", r"installateur",
    r"heizungsbau", r"sanitär", r"elektrotechni", r"elektroinstallation", r"elektriker", r"elektromaschinenbau",
    r"tischler", r"schreiner", r"bootsbau", r"schiffbau", r"\bseiler", r"bäcker", r"konditor", r"fleischer",
    r"metzger", r"augenoptik", r"hörakusti", r"hörgeräteakusti", r"orthopädietechni", r"orthopädieschuh",
    r"zahntechni", r"friseur", r"frisör", r"barbier", r"\bglaser", r"glasbläser", r"glasapparatebau", r"vulkanis",
    r"fliesenleg", r"plattenleg", r"mosaikleg", r"betonstein", r"terrazzo", r"estrich", r"behälterbau",
    r"apparatebau", r"parkett", r"rollladen", r"sonnenschutztechni", r"drechsler", r"holzspielzeug", r"böttcher",
    r"glasveredl", r"lichtreklame", r"schilderherstell", r"raumausstatt", r"orgelbau", r"harmoniumbau",
)  # fmt: skip
_GASTSTAETTE_WORDS = (
    r"kneipe", r"schankwirtschaft", r"ausschank", r"\bbar\b", r"cocktailbar", r"biergarten", r"weinstube",
    r"diskothek",
)  # fmt: skip
# ApoG (47.73), AÜG (78.2, 78.3), PBefG (49.3), GüKG (49.41, 49.42), FahrlG (85.53), RDG (82.91.1), WaffG, SprengG
_SPECIAL_LAW_WZ = ("47.73", "78.20", "78.30", "49.3", "49.41", "49.42", "85.53", "82.91.1")
_SPECIAL_LAW_WORDS = (
    r"apotheke", r"arbeitnehmerüberlassung", r"zeitarbeit", r"leiharbeit", r"personalüberlassung", r"\btaxi",
    r"mietwagen mit fahrer", r"personenbeförderung", r"krankenfahrt", r"güterkraftverkehr", r"spedition",
    r"\blkw", r"fahrschule", r"waffen", r"munition", r"pyrotechni", r"feuerwerk", r"inkasso",
)  # fmt: skip

TRIGGERS: tuple[Trigger, ...] = (
    Trigger(Category.NOT_A_TRADE, _NOT_A_TRADE_WZ, _NOT_A_TRADE_WORDS),
    Trigger(Category.TRAVELLING_TRADE, (), _TRAVELLING_WORDS),
    Trigger(Category.PERMIT_30, ("86.10.1", "86.10.3"), (r"privatklinik", r"privatkrankenanstalt", r"entbindungsheim")),
    Trigger(Category.PERMIT_33A, ("56.30.4",), _PERMIT_33A_WORDS),
    Trigger(Category.PERMIT_GAMING, ("92.00.1", "92.00.2"), _GAMING_WORDS),
    Trigger(Category.PERMIT_34, ("64.92.2",), (r"pfandleih", r"pfandkredit", r"leihhaus")),
    Trigger(Category.PERMIT_34A, ("80.10",), _SECURITY_WORDS),
    Trigger(Category.PERMIT_34B, ("82.99.1",), (r"versteiger", r"auktion")),
    Trigger(Category.PERMIT_34C, ("41.10.2", "41.10.3", "68.31", "68.32.1"), _34C_WORDS),
    Trigger(Category.FINANCIAL_BROKER, ("66.22", "66.19"), _BROKER_WORDS),
    Trigger(Category.RELIABILITY_38, _RELIABILITY_WZ, _RELIABILITY_WORDS),
    Trigger(Category.HANDWERK_A, _HANDWERK_WZ, _HANDWERK_WORDS),
    Trigger(Category.GASTSTAETTE_ALCOHOL, ("56.30",), _GASTSTAETTE_WORDS),  # 56.30: drinks-led, alcohol by nature
    Trigger(Category.SPECIAL_LAW, _SPECIAL_LAW_WZ, _SPECIAL_LAW_WORDS),
)

GASTRONOMY_WZ_PREFIXES: tuple[str, ...] = ("56.", "55.10")
"""Where an alcohol keyword in the activity text means a Gaststätte with alcohol."""

ALCOHOL_KEYWORDS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(k, re.IGNORECASE) for k in (r"alkohol", r"\bbier", r"\bwein", r"spirituos", r"cocktail", r"schnaps")
)

LOW_CONFIDENCE = 0.6
"""A suggested WZ code the applicant accepted below this confidence is confirmed by a clerk."""
