"""German names of the EN 16931 business terms and of the codes an invoice carries.

The names follow the German terms of the XRechnung specification, shortened where a clerk's form
needs it. A code that has no entry is shown as the code itself, never dropped.
"""

from __future__ import annotations

BUSINESS_TERMS_DE: dict[str, str] = {
    "BT-1": "Rechnungsnummer",
    "BT-2": "Rechnungsdatum",
    "BT-3": "Rechnungsart",
    "BT-5": "Rechnungswährung",
    "BT-6": "Umsatzsteuer-Währung",
    "BT-9": "Fälligkeitsdatum",
    "BT-10": "Leitweg-ID (Käuferreferenz)",
    "BT-11": "Projektnummer",
    "BT-12": "Vertragsnummer",
    "BT-13": "Bestellnummer",
    "BT-19": "Buchungsreferenz des Käufers",
    "BT-20": "Zahlungsbedingungen",
    "BT-21": "Betreff der Bemerkung",
    "BT-22": "Bemerkung",
    "BT-24": "Spezifikationskennung",
    "BT-25": "Vorausgegangene Rechnung",
    "BT-26": "Datum der vorausgegangenen Rechnung",
    "BT-27": "Name",
    "BT-28": "Handelsname",
    "BT-29": "Kennung",
    "BT-30": "Registernummer",
    "BT-31": "Umsatzsteuer-Identifikationsnummer",
    "BT-32": "Steuernummer",
    "BT-34": "Elektronische Adresse",
    "BT-35": "Straße",
    "BT-37": "Ort",
    "BT-38": "Postleitzahl",
    "BT-40": "Land",
    "BT-41": "Ansprechpartner",
    "BT-42": "Telefon",
    "BT-43": "E-Mail",
    "BT-44": "Name",
    "BT-45": "Handelsname",
    "BT-46": "Kennung",
    "BT-47": "Registernummer",
    "BT-48": "Umsatzsteuer-Identifikationsnummer",
    "BT-49": "Elektronische Adresse",
    "BT-50": "Straße",
    "BT-52": "Ort",
    "BT-53": "Postleitzahl",
    "BT-55": "Land",
    "BT-56": "Ansprechpartner",
    "BT-57": "Telefon",
    "BT-58": "E-Mail",
    "BT-72": "Lieferdatum",
    "BT-73": "Abrechnungszeitraum von",
    "BT-74": "Abrechnungszeitraum bis",
    "BT-81": "Zahlungsart",
    "BT-83": "Verwendungszweck",
    "BT-84": "IBAN oder Kontonummer",
    "BT-85": "Kontoinhaber",
    "BT-86": "BIC",
    "BT-92": "Betrag",
    "BT-93": "Grundbetrag",
    "BT-94": "Prozentsatz",
    "BT-95": "USt-Kategorie",
    "BT-96": "USt-Satz",
    "BT-97": "Grund",
    "BT-98": "Grund (Code)",
    "BT-106": "Summe der Positionen (netto)",
    "BT-107": "Summe der Nachlässe",
    "BT-108": "Summe der Zuschläge",
    "BT-109": "Gesamtbetrag ohne Umsatzsteuer",
    "BT-110": "Umsatzsteuer gesamt",
    "BT-112": "Gesamtbetrag mit Umsatzsteuer",
    "BT-113": "Vorauszahlung",
    "BT-114": "Rundungsbetrag",
    "BT-115": "Fälliger Betrag",
    "BT-116": "Bemessungsgrundlage",
    "BT-117": "Steuerbetrag",
    "BT-118": "USt-Kategorie",
    "BT-119": "USt-Satz",
    "BT-120": "Befreiungsgrund",
    "BT-121": "Befreiungsgrund (Code)",
    "BT-126": "Pos.",
    "BT-129": "Menge",
    "BT-130": "Einheit",
    "BT-131": "Nettobetrag",
    "BT-132": "Bestellposition",
    "BT-146": "Einzelpreis (netto)",
    "BT-151": "USt-Kategorie",
    "BT-152": "USt-Satz",
    "BT-153": "Bezeichnung",
    "BG-1": "Bemerkungen",
    "BG-3": "Vorausgegangene Rechnungen",
    "BG-4": "Verkäufer",
    "BG-6": "Kontakt des Verkäufers",
    "BG-7": "Käufer",
    "BG-16": "Zahlungsanweisungen",
    "BG-17": "Überweisung",
    "BG-20": "Nachlässe",
    "BG-21": "Zuschläge",
    "BG-22": "Gesamtbeträge",
    "BG-23": "Umsatzsteueraufschlüsselung",
    "BG-25": "Rechnungsposition",
}
"""German names of the business terms (BT) and groups (BG) the readable view and the notices show."""


def term_label(term: str) -> str:
    """``BT-10`` -> ``BT-10 Leitweg-ID (Käuferreferenz)``; an unknown term stays as it is."""
    name = BUSINESS_TERMS_DE.get(term)
    return f"{term} {name}" if name else term


INVOICE_TYPES_DE = {
    "326": "Teilrechnung",
    "380": "Rechnung",
    "381": "Gutschrift",
    "383": "Belastungsanzeige",
    "384": "Rechnungskorrektur",
    "386": "Vorauszahlungsrechnung",
    "389": "Selbst ausgestellte Rechnung (Gutschriftsverfahren)",
    "875": "Teilrechnung für Bauleistungen",
    "876": "Teilschlussrechnung für Bauleistungen",
    "877": "Schlussrechnung für Bauleistungen",
}
"""UNTDID 1001 document types that XRechnung 3.0 allows (BT-3)."""

VAT_CATEGORIES_DE = {
    "S": "Normalsatz",
    "Z": "Nullsatz",
    "E": "Steuerbefreit",
    "AE": "Umkehrung der Steuerschuldnerschaft",
    "K": "Innergemeinschaftliche Lieferung",
    "G": "Steuerfreie Ausfuhr",
    "O": "Nicht steuerbar",
    "L": "IGIC (Kanarische Inseln)",
    "M": "IPSI (Ceuta und Melilla)",
}
"""UNCL 5305 VAT categories (BT-95, BT-102, BT-118, BT-151)."""

PAYMENT_MEANS_DE = {
    "1": "Nicht festgelegt",
    "10": "Barzahlung",
    "20": "Scheck",
    "30": "Überweisung",
    "31": "Überweisung",
    "42": "Zahlung auf Bankkonto",
    "48": "Kartenzahlung",
    "49": "Lastschrift",
    "54": "Kreditkarte",
    "55": "Debitkarte",
    "57": "Dauerauftrag",
    "58": "SEPA-Überweisung",
    "59": "SEPA-Lastschrift",
    "97": "Verrechnung",
    "ZZZ": "Gegenseitig vereinbart",
}
"""UNTDID 4461 payment means (BT-81)."""

UNITS_DE = {
    "C62": "Stück",
    "H87": "Stück",
    "EA": "Stück",
    "XPP": "Stück",
    "HUR": "Stunde",
    "MIN": "Minute",
    "DAY": "Tag",
    "WEE": "Woche",
    "MON": "Monat",
    "ANN": "Jahr",
    "KGM": "Kilogramm",
    "TNE": "Tonne",
    "MTR": "Meter",
    "KMT": "Kilometer",
    "MTK": "Quadratmeter",
    "MTQ": "Kubikmeter",
    "LTR": "Liter",
    "KWH": "Kilowattstunde",
    "SET": "Satz",
    "LS": "Pauschale",
    "P1": "Prozent",
}
"""UN/ECE Recommendation 20/21 units (BT-130) clerks meet most often."""

NOTE_SUBJECTS_DE = {
    "AAI": "Allgemeine Information",
    "AAB": "Zahlungsbedingungen",
    "AAK": "Preisbedingungen",
    "ABL": "Rechtliche Hinweise",
    "ACY": "Einleitung",
    "ADU": "Anmerkung",
    "PMD": "Zahlungsinformation",
    "PMT": "Zahlungsinformation",
    "REG": "Behördliche Informationen",
    "SUR": "Anmerkungen des Verkäufers",
    "TXD": "Steuerliche Angaben",
}
"""UNTDID 4451 note subjects (BT-21)."""

COUNTRIES_DE = {
    "DE": "Deutschland",
    "AT": "Österreich",
    "CH": "Schweiz",
    "FR": "Frankreich",
    "NL": "Niederlande",
    "BE": "Belgien",
    "LU": "Luxemburg",
    "DK": "Dänemark",
    "PL": "Polen",
    "CZ": "Tschechien",
    "IT": "Italien",
    "ES": "Spanien",
    "SE": "Schweden",
    "NO": "Norwegen",
    "GB": "Vereinigtes Königreich",
}
"""ISO 3166-1 countries (BT-40, BT-55) by German name; others are shown by code."""


def coded(code: str | None, names: dict[str, str]) -> str | None:
    """``"380"`` -> ``"Rechnung (380)"``; an unknown code stays as it is; ``None`` stays ``None``."""
    if code is None:
        return None
    name = names.get(code)
    return f"{name} ({code})" if name else code
