"""Browser fixtures for the citizen pages (Chromium from Debian, axe-core from the npm assets)."""

from __future__ import annotations

import pytest
from ikdz_platform.web.browser_testing import (
    browser_page_js,
    browser_page_nojs,
    chromium_browser,
    ensure_browser_prerequisites,
)

__all__ = ["browser_page_js", "browser_page_nojs", "chromium_browser"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Install Chromium and the npm assets before any test timeout starts ticking."""
    if any(item.get_closest_marker("browser") for item in items):
        ensure_browser_prerequisites()
