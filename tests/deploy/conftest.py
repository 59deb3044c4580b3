"""Fixtures of the deployment-file tests: a clean environment for Settings validation."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from ikdz_platform.web.csrf import csrf_secret, reset_csrf_secret
from pydantic_settings import BaseSettings

from .deployfiles import WEB_KIT_ENV, ServiceInfo, SettingsFromEnv, services


@pytest.fixture
def settings_from_env(monkeypatch: pytest.MonkeyPatch) -> SettingsFromEnv:
    """Read a service's settings from exactly these environment variables, as its container would.

    For a service that uses the web kit, its CSRF key is read too (refused in prod when missing).
    """
    known = {name for info in services() for name in info.env_names()} | WEB_KIT_ENV

    def build(info: ServiceInfo, env: Mapping[str, str]) -> BaseSettings:
        with monkeypatch.context() as patch:
            for name in known:
                patch.delenv(name, raising=False)
            for name, value in env.items():
                patch.setenv(name, value)
            settings = info.settings()
            if info.uses_web_kit:
                reset_csrf_secret()
                try:
                    csrf_secret()
                finally:
                    reset_csrf_secret()
            return settings

    return build
