"""Fixtures of the einvoice tests: the official test data and one validator per test session.

Tests marked ``rules`` need the official rule artefacts (deploy/xrechnung/pom.xml). They are
fetched from Maven Central once into the user cache; to keep that out of any single test's
timeout, the fetch runs right after collection when such a test was selected. A failed fetch fails
those tests with Maven's message.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from ikdz_einvoice.adapters.rule_artefacts import RuleArtefacts, ensure_rule_artefacts
from ikdz_einvoice.adapters.saxon_validator import XRechnungValidator
from ikdz_platform.web.browser_testing import (
    browser_page_nojs,
    chromium_browser,
    ensure_browser_prerequisites,
)

__all__ = ["browser_page_nojs", "chromium_browser"]  # fixtures for the browser tests

_prefetch: dict[str, RuleArtefacts | Exception] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "rules: needs the official XRechnung rule artefacts (fetched once from Maven Central)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.option.collectonly:
        return
    if any(item.get_closest_marker("browser") for item in items):
        ensure_browser_prerequisites()
    if "artefacts" in _prefetch:
        return
    if any(item.get_closest_marker("rules") for item in items):
        try:
            _prefetch["artefacts"] = ensure_rule_artefacts()
        except Exception as error:  # reported by the fixture, in the tests that need it
            _prefetch["artefacts"] = error


@pytest.fixture(scope="session")
def rule_artefacts() -> RuleArtefacts:
    found = _prefetch.get("artefacts")
    if isinstance(found, Exception):
        pytest.fail(f"fetching the XRechnung rule artefacts failed: {found}")
    return found if found is not None else ensure_rule_artefacts()


@pytest.fixture(scope="session")
def validator(rule_artefacts: RuleArtefacts) -> XRechnungValidator:
    return XRechnungValidator(rule_artefacts)


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads what the server saw

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = b'<!ENTITY xxe "fetched">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that would serve a DTD and records every request it gets."""
    _CountingHandler.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _CountingHandler.requests
    finally:
        server.shutdown()
        server.server_close()
