"""The shared XML gate refuses what could expand, fetch or exhaust, and says why."""

from __future__ import annotations

import pytest
from ikdz_platform.safe_xml import XmlRefusal, XmlRefusedError, parse_untrusted_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<a>&lol2;</a>"""
XXE = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>'
HIDDEN_DOCTYPE = b'\xef\xbb\xbf<?xml version="1.0"?><!-- c --><?pi x?>\n<!DOCTYPE a SYSTEM "http://x/a.dtd"><a/>'


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BILLION_LAUGHS, XmlRefusal.DOCTYPE),
        (XXE, XmlRefusal.DOCTYPE),
        (HIDDEN_DOCTYPE, XmlRefusal.DOCTYPE),
        (b"", XmlRefusal.EMPTY),
        (b" \n ", XmlRefusal.EMPTY),
        (b'{"json": true}', XmlRefusal.NOT_XML),
        (b"<a><b></a>", XmlRefusal.MALFORMED),
        (b"<a>" + b"x" * 2000 + b"</a>", XmlRefusal.TOO_LARGE),
    ],
)
def test_hostile_or_broken_input_is_refused_with_a_reason(data: bytes, reason: XmlRefusal) -> None:
    with pytest.raises(XmlRefusedError) as refused:
        parse_untrusted_xml(data, max_bytes=1024)
    assert refused.value.reason is reason
    assert refused.value.detail


def test_a_plain_document_parses_with_namespaces() -> None:
    root = parse_untrusted_xml(b'<?xml version="1.0"?><a xmlns="urn:x"><b>1</b></a>', max_bytes=1024)
    assert root.tag == "{urn:x}a"
    assert root.findtext("{urn:x}b") == "1"
