"""``python -m ikdz_platform.auth.token``: prints a token the dev stack accepts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ikdz_platform.auth import DEV_ISSUER_URL, AuthSettings, Role
from ikdz_platform.auth.token import main

ENV_VARS = ("IKDZ_ENVIRONMENT", "IKDZ_OIDC_ISSUER", "IKDZ_OIDC_AUDIENCE", "IKDZ_DEV_ISSUER_KEY_FILE")


@pytest.fixture(autouse=True)
def dev_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IKDZ_CACHE_DIR", str(tmp_path / "cache"))


def dev_verifier() -> AuthSettings:
    return AuthSettings(IKDZ_DEV_ISSUER="true")


async def test_a_printed_token_verifies_with_the_dev_settings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--role", "clerk", "--town", "14522020", "--pool", "augustusburg"]) == 0
    token = capsys.readouterr().out.strip()
    principal = await dev_verifier().verifier().verify(token)
    assert principal.subject == "dev-clerk-14522020"
    assert principal.roles == {Role.CLERK}
    assert principal.towns == {"14522020"}
    assert principal.pools == {"augustusburg"}
    assert principal.issuer == DEV_ISSUER_URL


async def test_repeated_options_and_a_subject(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--role", "coordinator", "--role", "approver", "--town", "14729410", "--town", "14522020"]
    assert main([*argv, "--subject", "dev-lead", "--name", "Team Lead", "--ttl", "120"]) == 0
    principal = await dev_verifier().verifier().verify(capsys.readouterr().out.strip())
    assert (principal.subject, principal.name) == ("dev-lead", "Team Lead")
    assert principal.roles == {Role.COORDINATOR, Role.APPROVER}
    assert principal.towns == {"14729410", "14522020"}
    assert principal.pools == frozenset()


async def test_a_demo_member_of_staff(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "wur-approver-01"]) == 0
    principal = await dev_verifier().verifier().verify(capsys.readouterr().out.strip())
    assert (principal.subject, principal.name, principal.roles) == ("wur-approver-01", "Thomas Krause", {Role.APPROVER})


def test_list_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "aug-clerk-01\tclerk\t14522020\taugustusburg\tLena Hofmann" in lines


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--role", "superuser"],
        ["--role", "clerk", "--town", "1452202"],
        ["--role", "clerk", "--pool", "Augustusburg"],
        ["--demo", "aug-clerk-01", "--role", "admin"],
        ["--demo", "nobody"],
        ["--role", "clerk", "--ttl", "0"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert capsys.readouterr().out == ""


def test_refused_in_production(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("IKDZ_ENVIRONMENT", "prod")
    monkeypatch.setenv("IKDZ_OIDC_ISSUER", "https://idp.example/ikdz")
    assert main(["--role", "admin"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "refused" in captured.err


async def test_the_module_runs_as_a_command(tmp_path: Path) -> None:
    env = {**os.environ, "IKDZ_CACHE_DIR": str(tmp_path / "cache"), "IKDZ_ENVIRONMENT": "dev"}
    result = subprocess.run(  # noqa: ASYNC221 - a short child process in a test
        [
            sys.executable,
            "-m",
            "ikdz_platform.auth.token",
            "--role",
            "clerk",
            "--town",
            "14522020",
            "--pool",
            "augustusburg",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    principal = await dev_verifier().verifier().verify(result.stdout.strip())
    assert principal.pools == {"augustusburg"}
    assert (tmp_path / "cache" / "dev-issuer" / "signing-key.pem").exists()
