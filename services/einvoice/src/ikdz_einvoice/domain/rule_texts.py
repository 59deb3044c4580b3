"""What the common validation rules mean, in plain German, for suppliers and clerks.

The official rule messages are technical and mostly English (CEN) or a German/English mix
(KoSIT). These explanations say what is wrong in words a bookkeeper understands and name the
field. Rules without an entry fall back to their official message; nothing is ever hidden.
Texts written from the rule definitions of EN 16931-1 and the XRechnung 3.0 specification.
"""

from __future__ import annotations

RULE_EXPLANATIONS_DE: dict[str, str] = {
    # Our own checks
    "XML-SCHEMA": "Die Datei entspricht nicht dem XML-Schema der Rechnungssyntax (UBL 2.1 oder UN/CEFACT CII "
    "D16B): ein Element fehlt, steht an falscher Stelle oder hat einen unzulässigen Wert. Bitte erzeugen Sie die "
    "Rechnung mit einer Software neu, die gültiges XRechnung-XML schreibt.",
    "IKDZ-SCENARIO": "Die Rechnung gibt keine Spezifikation an, die wir annehmen (Spezifikationskennung, BT-24). "
    "Erwartet wird XRechnung 3.0: urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0.",
    "leitweg-id-missing": "Die Rechnung enthält keine Leitweg-ID (Käuferreferenz, BT-10). Ohne sie können wir "
    "die Rechnung keiner Stelle zuordnen.",
    "leitweg-id-invalid": "Die Leitweg-ID (BT-10) ist nicht gültig: Aufbau oder Prüfziffer stimmen nicht. Bitte "
    "übernehmen Sie die Leitweg-ID genau so, wie sie in der Bestellung oder im Auftrag steht.",
    "unknown-recipient": "Die Leitweg-ID (BT-10) gehört zu keiner Gemeinde, für die wir Rechnungen annehmen.",
    "unknown-department": "Die Leitweg-ID (BT-10) nennt eine Stelle, die es bei der Gemeinde nicht gibt.",
    # EN 16931 core rules
    "BR-01": "Die Spezifikationskennung (BT-24) fehlt.",
    "BR-02": "Die Rechnungsnummer (BT-1) fehlt.",
    "BR-03": "Das Rechnungsdatum (BT-2) fehlt.",
    "BR-04": "Die Rechnungsart (BT-3) fehlt.",
    "BR-05": "Die Rechnungswährung (BT-5) fehlt.",
    "BR-06": "Der Name des Verkäufers (BT-27) fehlt.",
    "BR-07": "Der Name des Käufers (BT-44) fehlt.",
    "BR-08": "Die Anschrift des Verkäufers (BG-5) fehlt.",
    "BR-09": "Das Land in der Anschrift des Verkäufers (BT-40) fehlt.",
    "BR-10": "Die Anschrift des Käufers (BG-8) fehlt.",
    "BR-11": "Das Land in der Anschrift des Käufers (BT-55) fehlt.",
    "BR-12": "Die Summe der Positionen (BT-106) fehlt.",
    "BR-13": "Der Gesamtbetrag ohne Umsatzsteuer (BT-109) fehlt.",
    "BR-14": "Der Gesamtbetrag mit Umsatzsteuer (BT-112) fehlt.",
    "BR-15": "Der fällige Betrag (BT-115) fehlt.",
    "BR-16": "Die Rechnung enthält keine Rechnungsposition (BG-25).",
    "BR-21": "Eine Rechnungsposition hat keine Positionsnummer (BT-126).",
    "BR-22": "Bei einer Rechnungsposition fehlt die Menge (BT-129).",
    "BR-23": "Bei einer Rechnungsposition fehlt die Mengeneinheit (BT-130).",
    "BR-24": "Bei einer Rechnungsposition fehlt der Nettobetrag (BT-131).",
    "BR-25": "Bei einer Rechnungsposition fehlt die Bezeichnung des Artikels oder der Leistung (BT-153).",
    "BR-26": "Bei einer Rechnungsposition fehlt der Einzelpreis (BT-146).",
    "BR-27": "Ein Einzelpreis (BT-146) ist negativ.",
    "BR-49": "Die Zahlungsart (BT-81) fehlt.",
    "BR-50": "Bei einer Überweisung fehlt die IBAN oder Kontonummer des Zahlungsempfängers (BT-84).",
    "BR-61": "Bei einer Überweisung (Zahlungsart 30 oder 58) fehlt die Kontokennung (BT-84).",
    "BR-CO-03": "Steuerdatum (BT-7) und Steuerdatumscode (BT-8) dürfen nicht beide angegeben werden.",
    "BR-CO-04": "Jede Rechnungsposition braucht eine Umsatzsteuerkategorie (BT-151).",
    "BR-CO-09": "Die Umsatzsteuer-Identifikationsnummer (BT-31, BT-48) muss mit dem Ländercode beginnen, "
    "z. B. DE123456789.",
    "BR-CO-10": "Die Summe der Positionen (BT-106) stimmt nicht mit der Summe der Nettobeträge der "
    "Rechnungspositionen (BT-131) überein.",
    "BR-CO-11": "Die Summe der Nachlässe (BT-107) stimmt nicht mit den einzelnen Nachlässen (BT-92) überein.",
    "BR-CO-12": "Die Summe der Zuschläge (BT-108) stimmt nicht mit den einzelnen Zuschlägen (BT-99) überein.",
    "BR-CO-13": "Der Gesamtbetrag ohne Umsatzsteuer (BT-109) muss Summe der Positionen minus Nachlässe plus "
    "Zuschläge sein.",
    "BR-CO-14": "Die Umsatzsteuer gesamt (BT-110) stimmt nicht mit der Summe der Steuerbeträge je Kategorie "
    "(BT-117) überein.",
    "BR-CO-15": "Der Gesamtbetrag mit Umsatzsteuer (BT-112) muss Gesamtbetrag ohne Umsatzsteuer (BT-109) plus "
    "Umsatzsteuer (BT-110) sein.",
    "BR-CO-16": "Der fällige Betrag (BT-115) muss Gesamtbetrag mit Umsatzsteuer minus Vorauszahlung plus "
    "Rundungsbetrag sein.",
    "BR-CO-17": "Ein Steuerbetrag je Kategorie (BT-117) ist nicht Bemessungsgrundlage mal Steuersatz, auf zwei "
    "Nachkommastellen gerundet.",
    "BR-CO-18": "Die Umsatzsteueraufschlüsselung (BG-23) fehlt.",
    "BR-CO-25": "Ist ein Betrag fällig (BT-115 größer als null), muss ein Fälligkeitsdatum (BT-9) oder "
    "Zahlungsbedingungen (BT-20) angegeben sein.",
    "BR-CO-26": "Der Verkäufer braucht eine Kennung: Verkäuferkennung (BT-29), Registernummer (BT-30) oder "
    "Umsatzsteuer-Identifikationsnummer (BT-31).",
    "BR-S-01": "Positionen mit Normalsatz brauchen eine Umsatzsteueraufschlüsselung der Kategorie S.",
    "BR-S-02": "Bei Positionen mit Normalsatz muss die Umsatzsteuer-Identifikationsnummer oder Steuernummer "
    "des Verkäufers angegeben sein.",
    "BR-S-08": "Die Bemessungsgrundlage einer Steuerkategorie mit Normalsatz (BT-116) stimmt nicht mit den "
    "zugehörigen Positionen, Nachlässen und Zuschlägen überein.",
    "BR-S-09": "Der Steuerbetrag der Kategorie Normalsatz (BT-117) ist nicht Bemessungsgrundlage mal Steuersatz.",
    "BR-AE-02": "Bei Umkehrung der Steuerschuldnerschaft müssen die Umsatzsteuer-Identifikationsnummern von "
    "Verkäufer und Käufer angegeben sein.",
    "BR-E-10": "Bei steuerbefreiten Umsätzen muss ein Befreiungsgrund (BT-120 oder BT-121) angegeben sein.",
    "BR-CL-01": "Die Rechnungsart (BT-3) ist kein zulässiger Code.",
    "BR-CL-03": "Ein Währungscode ist kein gültiger ISO-4217-Code.",
    "BR-CL-04": "Die Rechnungswährung (BT-5) ist kein gültiger ISO-4217-Code.",
    "BR-CL-14": "Ein Ländercode ist kein gültiger ISO-3166-1-Code.",
    "BR-CL-16": "Die Zahlungsart (BT-81) ist kein gültiger Code.",
    "BR-CL-23": "Eine Mengeneinheit (BT-130) ist kein gültiger Code.",
    # XRechnung (KoSIT) rules
    "BR-DE-1": "Zahlungsanweisungen (BG-16) fehlen: Die Rechnung muss sagen, wie bezahlt werden soll.",
    "BR-DE-2": "Die Kontaktangaben des Verkäufers (BG-6) fehlen.",
    "BR-DE-3": "Der Ort in der Anschrift des Verkäufers (BT-37) fehlt.",
    "BR-DE-4": "Die Postleitzahl in der Anschrift des Verkäufers (BT-38) fehlt.",
    "BR-DE-5": "Der Ansprechpartner beim Verkäufer (BT-41) fehlt.",
    "BR-DE-6": "Die Telefonnummer des Ansprechpartners beim Verkäufer (BT-42) fehlt.",
    "BR-DE-7": "Die E-Mail-Adresse des Ansprechpartners beim Verkäufer (BT-43) fehlt.",
    "BR-DE-8": "Der Ort in der Anschrift des Käufers (BT-52) fehlt.",
    "BR-DE-9": "Die Postleitzahl in der Anschrift des Käufers (BT-53) fehlt.",
    "BR-DE-10": "Der Ort der Lieferanschrift (BT-77) fehlt.",
    "BR-DE-11": "Die Postleitzahl der Lieferanschrift (BT-78) fehlt.",
    "BR-DE-13": "Es ist genau eine Zahlungsweise anzugeben: Überweisung (BG-17), Karte (BG-18) oder "
    "Lastschrift (BG-19).",
    "BR-DE-14": "Bei einer Umsatzsteueraufschlüsselung fehlt der Steuersatz (BT-119).",
    "BR-DE-15": "Die Leitweg-ID (Käuferreferenz, BT-10) fehlt. Sie steht in der Bestellung oder im Auftrag der "
    "Gemeinde.",
    "BR-DE-16": "Bei umsatzsteuerpflichtigen Positionen fehlt die Umsatzsteuer-Identifikationsnummer oder "
    "Steuernummer des Verkäufers (BT-31, BT-32).",
    "BR-DE-17": "Die Rechnungsart (BT-3) ist für XRechnung nicht zulässig.",
    "BR-DE-18": "Skonto-Angaben in den Zahlungsbedingungen (BT-20) haben nicht das vorgeschriebene Format "
    "(#SKONTO#TAGE=…#PROZENT=…#).",
    "BR-DE-19": "Die IBAN des Zahlungsempfängers (BT-84) ist ungültig.",
    "BR-DE-20": "Die IBAN des Zahlungspflichtigen (BT-91) ist ungültig.",
    "BR-DE-21": "Die Spezifikationskennung (BT-24) ist nicht die von XRechnung 3.0.",
    "BR-DE-22": "Mehrere Anhänge haben denselben Dateinamen.",
    "BR-DE-23-a": "Bei Überweisung (Zahlungsart 30 oder 58) müssen die Kontoangaben (BG-17) stehen, aber keine "
    "Karten- oder Lastschriftangaben.",
    "BR-DE-24-a": "Bei Kartenzahlung müssen die Kartenangaben (BG-18) stehen, aber keine Konto- oder "
    "Lastschriftangaben.",
    "BR-DE-25-a": "Bei Lastschrift müssen die Lastschriftangaben (BG-19) stehen, aber keine Konto- oder Kartenangaben.",
    "BR-DE-26": "Eine korrigierte Rechnung (Rechnungsart 384) muss die vorausgegangene Rechnung (BG-3) nennen.",
    "BR-DE-27": "Die Telefonnummer des Ansprechpartners (BT-42) muss mindestens drei Ziffern enthalten.",
    "BR-DE-28": "Die E-Mail-Adresse des Ansprechpartners (BT-43) ist ungültig.",
    "BR-DE-30": "Bei Lastschrift fehlt die Gläubiger-Identifikationsnummer (BT-90).",
    "BR-DE-31": "Bei Lastschrift fehlt die IBAN des Zahlungspflichtigen (BT-91).",
}
"""Plain German explanations by rule id (SVRL ``@id``, or our own ids for schema, scenario and routing)."""


def explain_rule(rule_id: str) -> str | None:
    """The plain German explanation of *rule_id*, or ``None`` if we have none (show the official message)."""
    return RULE_EXPLANATIONS_DE.get(rule_id)
