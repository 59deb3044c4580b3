"""Fixtures of the deployment-file tests: a clean environment for Settings validation."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
from pydantic_settings import BaseSettings

from .deployfiles import services


@pytest.fixture
def settings_from_env(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[type[BaseSettings], Mapping[str, str]], BaseSettings]:
    """Build a Settings class from exactly these environment variables, as a container would."""
    known = {name for info in services() for name in info.env_names()}

    def build(cls: type[BaseSettings], env: Mapping[str, str]) -> BaseSettings:
        with monkeypatch.context() as patch:
            for name in known:
                patch.delenv(name, raising=False)
            for name, value in env.items():
                patch.setenv(name, value)
            return cls()

    return build
