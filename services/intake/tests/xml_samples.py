"""XML documents in the import format (oriented on XGewerbeordnung) for the tests."""

from __future__ import annotations

NS = "urn:ikdz:gewerbemeldung:1"

PERSON = """
    <beteiligtePerson>
      <funktion>{role}</funktion>
      <geschlecht>w</geschlecht>
      <staatsangehoerigkeit>DE</staatsangehoerigkeit>
      <familienname>Mustermann</familienname>
      <vornamen>Erika</vornamen>
      <geburtsdatum>{born}</geburtsdatum>
      <geburtsort>Leipzig</geburtsort>
      <geburtsstaat>DE</geburtsstaat>
      <anschrift><strasse>Domplatz</strasse><hausnummer>5</hausnummer><postleitzahl>04808</postleitzahl><ort>Wurzen</ort><staat>DE</staat></anschrift>
      <email>erika@example.org</email>
    </beteiligtePerson>"""


def anmeldung_xml(
    *,
    start: str = "2026-12-02",
    site_ags: str = "14729410",
    legal_form: str = "einzelunternehmen",
    company: str = "",
    role: str = "inhaber",
    born: str = "1985-04-12",
    extra_person: str = "",
    extra_record: str = "",
) -> bytes:
    """A sole trader starting web design in Wurzen (valid on 2026-11-25), with the parts a test changes."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<gewerbemeldung xmlns="{NS}" version="1.0">
  <nachrichtenkopf><nachrichtenUUID>7d1c1f3e-0000-4000-8000-000000000001</nachrichtenUUID></nachrichtenkopf>
  <satz>
   <anmeldung>
    <gemeindeSchluessel>14729410</gemeindeSchluessel>
    <istKorrektur>false</istKorrektur>
    <datumMeldung>2026-11-25</datumMeldung>
    <gueltigAb>{start}</gueltigAb>
    <grundAnmeldungSchluessel>neugruendung</grundAnmeldungSchluessel>{extra_record}
    <betrieb>
      <rechtsformSchluessel>{legal_form}</rechtsformSchluessel>{company}
      <geschaeftsbezeichnung>Mustermann Webdesign</geschaeftsbezeichnung>
      <betriebArt>sonstiges</betriebArt>
      <niederlassungArt>hauptniederlassung</niederlassungArt>
      <beschaeftigte><vollzeit>2</vollzeit><teilzeit>1</teilzeit></beschaeftigte>
      <istNebenerwerb>false</istNebenerwerb>
      <betriebsstaette><strasse>Markt</strasse><hausnummer>1</hausnummer><postleitzahl>04808</postleitzahl><ort>Wurzen</ort><staat>DE</staat><gemeindeSchluessel>{site_ags}</gemeindeSchluessel></betriebsstaette>
    </betrieb>{PERSON.format(role=role, born=born)}{extra_person}
    <taetigkeit>
      <beschreibung>Webdesign und Programmierung von Internetseiten</beschreibung>
      <taetigkeitSchluessel>62019</taetigkeitSchluessel>
      <schwerpunkt>true</schwerpunkt>
    </taetigkeit>
    <erklaerungen>
      <alkoholausschank>false</alkoholausschank>
      <richtigkeitVersichert>true</richtigkeitVersichert>
    </erklaerungen>
   </anmeldung>
  </satz>
</gewerbemeldung>
""".encode()
