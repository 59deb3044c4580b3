"""UBL 2.1 and CII D16B XML Schemas, loaded with lxml from the pinned artefacts only (never the network).

The ph-ubl21 / ph-xsds jars ship the OASIS and W3C schemas with the ``schemaLocation`` of some
imports removed (their Java code resolves them through a catalogue). We do not edit those files;
a small in-memory driver schema imports each such namespace from its local file first, then the
UBL main documents, so every import resolves to a pinned file. A resolver refuses anything outside
the artefact directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lxml import etree

from ikdz_einvoice.adapters.rule_artefacts import RuleArtefacts, RuleArtefactsError
from ikdz_einvoice.domain.document import NS_UBL_CREDIT_NOTE, NS_UBL_INVOICE

_XS = "http://www.w3.org/2001/XMLSchema"
_UBL_IMPORTS = (
    ("urn:un:unece:uncefact:data:specification:CoreComponentTypeSchemaModule:2", "ccts_cct_xsd"),
    ("http://www.w3.org/2000/09/xmldsig#", "xmldsig_xsd"),
    ("http://uri.etsi.org/01903/v1.3.2#", "xades132_xsd"),
    ("http://uri.etsi.org/01903/v1.4.1#", "xades141_xsd"),
    (NS_UBL_INVOICE, "ubl_invoice_xsd"),
    (NS_UBL_CREDIT_NOTE, "ubl_creditnote_xsd"),
)


class LocalOnlyResolver(etree.Resolver):
    """Resolves schema imports to files below *root*; refuses every other URL (no network, no other files)."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self._root = root.resolve()

    def resolve(self, system_url: str | None, _public_id: str | None, context: Any) -> Any:
        url = system_url or ""
        parsed = urlparse(url)
        if parsed.scheme not in ("", "file"):
            raise RuleArtefactsError(f"schema import of {url!r} refused: only the pinned local files are used")
        path = Path(unquote(parsed.path)).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            raise RuleArtefactsError(f"schema import of {url!r} refused: not a pinned artefact")
        return self.resolve_filename(str(path), context)


def _parser(root: Path) -> etree.XMLParser:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(LocalOnlyResolver(root))
    return parser


def _driver(artefacts: RuleArtefacts) -> bytes:
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="{artefacts[role].as_uri()}"/>'
        for namespace, role in _UBL_IMPORTS
    )
    return f'<xs:schema xmlns:xs="{_XS}">{imports}</xs:schema>'.encode()


def load_ubl_schema(artefacts: RuleArtefacts) -> etree.XMLSchema:
    """One schema that validates both UBL 2.1 Invoice and CreditNote documents."""
    document = etree.fromstring(_driver(artefacts), _parser(artefacts.root), base_url=artefacts.root.as_uri() + "/")
    return etree.XMLSchema(document)


def load_cii_schema(artefacts: RuleArtefacts) -> etree.XMLSchema:
    document = etree.parse(str(artefacts["cii_xsd"]), _parser(artefacts.root))
    return etree.XMLSchema(document)
