"""The KERN assets come from the pinned npm project, installed once into a cache, or from a prepared dir."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from ikdz_platform.web.assets import (
    WebAssetsError,
    axe_script_path,
    ensure_web_assets,
    kern_dist_dir,
    mount_web_assets,
    web_assets_project_dir,
)


def test_npm_project_pins_kern_and_axe() -> None:
    project = web_assets_project_dir()
    package = json.loads((project / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"]["@kern-ux/native"] == "2.7.2"
    assert package["dependencies"]["axe-core"].startswith("4.")
    lock = json.loads((project / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/@kern-ux/native"]["version"] == "2.7.2"
    assert lock["packages"]["node_modules/@kern-ux/native"]["integrity"].startswith("sha512-")


def test_installed_assets_have_css_fonts_and_axe() -> None:
    node_modules = ensure_web_assets()
    dist = kern_dist_dir(node_modules)
    assert (dist / "kern.min.css").is_file()
    assert (dist / "fonts" / "fira-sans.css").is_file()
    assert axe_script_path(node_modules).read_text(encoding="utf-8").startswith("/*! axe v4.")
    # Installed outside the checkout, so the repo stays clean.
    assert not (web_assets_project_dir() / "node_modules").exists()


def test_prepared_directory_from_env_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    node_modules = ensure_web_assets()
    monkeypatch.setenv("IKDZ_WEB_ASSETS_DIR", str(node_modules.parent))  # the project dir is accepted too
    assert ensure_web_assets() == node_modules
    monkeypatch.setenv("IKDZ_WEB_ASSETS_DIR", str(node_modules))
    assert ensure_web_assets() == node_modules


def test_missing_prepared_directory_fails_at_start_naming_the_env_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IKDZ_WEB_ASSETS_DIR", str(tmp_path))
    with pytest.raises(WebAssetsError, match="IKDZ_WEB_ASSETS_DIR"):
        mount_web_assets(FastAPI())
    monkeypatch.setenv("IKDZ_WEB_ASSETS_DIR", str(tmp_path / "missing"))
    with pytest.raises(WebAssetsError, match="IKDZ_WEB_ASSETS_DIR"):
        ensure_web_assets()


def test_without_npm_the_error_names_the_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("IKDZ_WEB_ASSETS_DIR", raising=False)
    monkeypatch.setenv("IKDZ_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr("ikdz_platform.web.assets.shutil.which", lambda _name: None)
    with pytest.raises(WebAssetsError, match=r"npm is not on PATH.*IKDZ_WEB_ASSETS_DIR"):
        ensure_web_assets()


def test_install_runs_npm_ci_once_into_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    prepared = ensure_web_assets()
    monkeypatch.delenv("IKDZ_WEB_ASSETS_DIR", raising=False)
    monkeypatch.setenv("IKDZ_CACHE_DIR", str(tmp_path))
    calls: list[list[str]] = []

    def fake_npm(args: list[str], *, cwd: Path, **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        assert (cwd / "package-lock.json").read_bytes() == (web_assets_project_dir() / "package-lock.json").read_bytes()
        (cwd / "node_modules").symlink_to(prepared, target_is_directory=True)
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr("ikdz_platform.web.assets.subprocess.run", fake_npm)
    first = ensure_web_assets()
    second = ensure_web_assets()
    assert first == second
    assert first.parent.parent == tmp_path
    assert first.parent.name.startswith("web-assets-")
    assert len(calls) == 1
    assert calls[0][1:] == ["ci", "--ignore-scripts", "--no-audit", "--no-fund"]


def test_failed_npm_ci_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("IKDZ_WEB_ASSETS_DIR", raising=False)
    monkeypatch.setenv("IKDZ_CACHE_DIR", str(tmp_path))

    def failing_npm(args: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise subprocess.CalledProcessError(1, args, "", "npm ERR! 404 Not Found")

    monkeypatch.setattr("ikdz_platform.web.assets.subprocess.run", failing_npm)
    with pytest.raises(WebAssetsError, match="npm ERR! 404"):
        ensure_web_assets()
    assert not list(tmp_path.glob("web-assets-*/.ikdz-web-assets-installed"))
