"""The pinned rule artefacts: manifest and POM agree, files are hash-checked, schemas resolve only locally."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from ikdz_einvoice.adapters.rule_artefacts import (
    ROLES,
    RuleArtefacts,
    RuleArtefactsError,
    ensure_rule_artefacts,
    load_manifest,
)
from ikdz_einvoice.adapters.xml_schemas import LocalOnlyResolver
from ikdz_platform.localinfra.paths import deploy_dir
from lxml import etree

RECIPE = deploy_dir() / "xrechnung"
XS = "http://www.w3.org/2001/XMLSchema"


def test_the_manifest_names_every_role_and_the_releases() -> None:
    manifest = load_manifest(RECIPE / "artefacts.toml")
    assert set(ROLES) <= set(manifest.roles)
    assert (manifest.release.xrechnung, manifest.release.xrechnung_schematron, manifest.release.en16931) == (
        "3.0.2",
        "2.5.0",
        "1.3.15",
    )
    assert all(re.fullmatch(r"[0-9a-f]{64}", f.sha256) for f in manifest.all_files)
    assert "/3.0.2/" in manifest.roles["xrechnung_ubl_xslt"].path
    assert "/1.3.15/" in manifest.roles["en16931_cii_xslt"].path


def test_the_manifest_takes_its_jars_from_the_pom() -> None:
    pom = (RECIPE / "pom.xml").read_text()
    properties = dict(re.findall(r"<([a-z.]+\.version)>([^<]+)<", pom))
    artifacts = re.findall(r"<artifactId>([^<]+)</artifactId>\s*<version>\$\{([a-z.]+)\}</version>", pom)
    jars = {f"{artifact}-{properties[version]}.jar" for artifact, version in artifacts}
    assert load_manifest(RECIPE / "artefacts.toml").jars == jars


@pytest.mark.rules
def test_altered_or_missing_files_are_refused(rule_artefacts: RuleArtefacts, tmp_path: Path) -> None:
    copy = tmp_path / "rules"
    shutil.copytree(rule_artefacts.root, copy)
    assert ensure_rule_artefacts(copy).files["cii_xsd"].is_relative_to(copy)

    altered = copy / rule_artefacts["xrechnung_ubl_xslt"].relative_to(rule_artefacts.root)
    altered.write_text(altered.read_text().replace("BR-DE-15", "BR-DE-99", 1))
    with pytest.raises(RuleArtefactsError, match=r"XRechnung-UBL-validation\.xslt is not the pinned file"):
        ensure_rule_artefacts(copy)

    altered.unlink()
    with pytest.raises(RuleArtefactsError, match=r"missing .*XRechnung-UBL-validation\.xslt"):
        ensure_rule_artefacts(copy)


def _schema_importing(location: str) -> bytes:
    return (
        f'<xs:schema xmlns:xs="{XS}"><xs:import namespace="urn:x" schemaLocation="{location}"/></xs:schema>'
    ).encode()


@pytest.mark.parametrize("location", ["http://127.0.0.1:9/x.xsd", "https://example.org/x.xsd", "ftp://h/x.xsd"])
def test_schema_imports_from_the_network_are_refused(tmp_path: Path, location: str) -> None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(LocalOnlyResolver(tmp_path))
    with pytest.raises(etree.XMLSchemaParseError):
        etree.XMLSchema(etree.fromstring(_schema_importing(location), parser))


def test_schema_imports_outside_the_artefacts_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.xsd"
    outside.write_text(f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:x"/>')
    inside = tmp_path / "rules"
    inside.mkdir()
    (inside / "ok.xsd").write_text(f'<xs:schema xmlns:xs="{XS}" targetNamespace="urn:x"/>')

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(LocalOnlyResolver(inside))
    etree.XMLSchema(etree.fromstring(_schema_importing((inside / "ok.xsd").as_uri()), parser))
    with pytest.raises(etree.XMLSchemaParseError):
        etree.XMLSchema(etree.fromstring(_schema_importing(outside.as_uri()), parser))
