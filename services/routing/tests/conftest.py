"""Fixtures of the routing tests: Chromium for the browser tests of the clerk and coordinator pages."""

from __future__ import annotations

import pytest
from ikdz_platform.web.browser_testing import browser_page_nojs, chromium_browser, ensure_browser_prerequisites

__all__ = ["browser_page_nojs", "chromium_browser"]  # fixtures for the browser tests


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.option.collectonly and any(item.get_closest_marker("browser") for item in items):
        ensure_browser_prerequisites()
