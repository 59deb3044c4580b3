"""The environment variable reference is generated from the settings classes and kept current."""

from __future__ import annotations

from ikdz_platform import envdoc


def test_docs_configuration_is_current() -> None:
    assert envdoc.main(["--check"]) == 0, "docs/configuration.md is stale: run python -m ikdz_platform.envdoc"


def test_every_setting_of_every_service_is_documented() -> None:
    text = envdoc.render(envdoc.service_settings())
    for _, cls in envdoc.service_settings():
        for name, field in cls.model_fields.items():
            for variable in envdoc.env_names(cls, name, field):
                assert f"`{variable}`" in text
    assert "`INTAKE_STATUS_TOKEN_SECRET`" in text
    assert "`POOLS`" in text
