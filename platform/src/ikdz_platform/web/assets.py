"""The front-end assets (KERN UX CSS and fonts, axe-core) and how a service serves them.

The npm project lives in ``platform/web-assets`` (``package.json`` and ``package-lock.json``, pinned).
:func:`ensure_web_assets` installs it with ``npm ci`` into a per-user cache directory keyed by the
hash of the lock file, so the checkout stays clean and a second call is a file lookup.
:func:`mount_web_assets` serves the KERN files and the project's own ``ikdz.css`` under ``/static``;
pages never load anything from a CDN.

Where no npm is available at run time (a slim container), build the directory once with
``npm ci --ignore-scripts`` and point ``IKDZ_WEB_ASSETS_DIR`` at its ``node_modules``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import structlog
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ikdz_platform.web._locks import file_lock

__all__ = [
    "ASSETS_DIR_ENV",
    "KERN_STATIC_ROUTE",
    "PROJECT_STATIC_ROUTE",
    "STATIC_PATH",
    "WebAssetsError",
    "axe_script_path",
    "ensure_web_assets",
    "kern_dist_dir",
    "mount_web_assets",
    "project_static_dir",
    "web_assets_project_dir",
]

log = structlog.get_logger(__name__)

ASSETS_DIR_ENV = "IKDZ_WEB_ASSETS_DIR"
"""Environment variable naming a prepared ``node_modules`` directory (skips npm entirely)."""

STATIC_PATH = "/static"
"""URL prefix of every static file a service serves."""

KERN_STATIC_ROUTE = "ikdz-kern"
PROJECT_STATIC_ROUTE = "ikdz-static"

_KERN_CSS = Path("@kern-ux") / "native" / "dist" / "kern.min.css"
_AXE_JS = Path("axe-core") / "axe.min.js"
_MARKER = ".ikdz-web-assets-installed"
_NPM_TIMEOUT_SECONDS = 600


class WebAssetsError(RuntimeError):
    """The KERN assets are not available and cannot be installed here."""


def web_assets_project_dir() -> Path:
    """``platform/web-assets`` in the checkout: the npm project with the pinned lock file."""
    return Path(__file__).resolve().parents[3] / "web-assets"


def project_static_dir() -> Path:
    """The project's own static files shipped inside the Python package (``ikdz.css``)."""
    return Path(__file__).resolve().parent / "static"


def _cache_root() -> Path:
    explicit = os.environ.get("IKDZ_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "ikdz"


def _missing_message(detail: str) -> str:
    return (
        f"KERN web assets are not available: {detail}. Either install Node.js/npm so that "
        f"ikdz_platform.web.assets.ensure_web_assets() can run 'npm ci' for platform/web-assets, or run "
        f"'npm ci --ignore-scripts' in a copy of platform/web-assets at build time and set "
        f"{ASSETS_DIR_ENV} to the resulting node_modules directory."
    )


def _check_node_modules(node_modules: Path) -> Path:
    if not (node_modules / _KERN_CSS).is_file():
        raise WebAssetsError(_missing_message(f"{node_modules / _KERN_CSS} does not exist"))
    return node_modules


def _from_env(value: str) -> Path:
    given = Path(value).expanduser()
    # Accept the node_modules directory itself or the npm project that contains it.
    node_modules = given / "node_modules" if (given / "node_modules").is_dir() else given
    if not node_modules.is_dir():
        raise WebAssetsError(_missing_message(f"{ASSETS_DIR_ENV}={value} is not a directory"))
    return _check_node_modules(node_modules)


def ensure_web_assets() -> Path:
    """Return the ``node_modules`` directory holding ``@kern-ux/native`` and ``axe-core``.

    ``$IKDZ_WEB_ASSETS_DIR`` wins when set. Otherwise the npm project is installed once into
    ``<cache>/web-assets-<lock hash>`` (``$IKDZ_CACHE_DIR``, else ``$XDG_CACHE_HOME/ikdz``, else
    ``~/.cache/ikdz``), guarded by a file lock so parallel test workers install it only once.

    Raises:
        WebAssetsError: neither a prepared directory nor npm and the lock file are available,
            or ``npm ci`` failed.
    """
    explicit = os.environ.get(ASSETS_DIR_ENV)
    if explicit:
        return _from_env(explicit)

    project = web_assets_project_dir()
    lock_file = project / "package-lock.json"
    if not lock_file.is_file():
        raise WebAssetsError(_missing_message(f"the npm project {project} is not part of this installation"))
    digest = hashlib.sha256(lock_file.read_bytes()).hexdigest()[:16]
    target = _cache_root() / f"web-assets-{digest}"
    marker = target / _MARKER
    if marker.is_file():
        return _check_node_modules(target / "node_modules")

    with file_lock(target.with_name(target.name + ".lock")):
        if marker.is_file():  # another process finished while we waited
            return _check_node_modules(target / "node_modules")
        npm = shutil.which("npm")
        if npm is None:
            raise WebAssetsError(_missing_message("npm is not on PATH"))
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(project / name, target / name)
        log.info("web_assets_installing", target=str(target))
        try:
            subprocess.run(  # noqa: S603 - fixed argument list, npm from PATH
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                cwd=target,
                check=True,
                capture_output=True,
                text=True,
                timeout=_NPM_TIMEOUT_SECONDS,
            )
        except subprocess.CalledProcessError as exc:
            raise WebAssetsError(
                _missing_message(f"'npm ci' failed in {target} (exit {exc.returncode}): {exc.stderr.strip()[-2000:]}")
            ) from None
        except subprocess.TimeoutExpired:
            raise WebAssetsError(_missing_message(f"'npm ci' took longer than {_NPM_TIMEOUT_SECONDS} s")) from None
        node_modules = _check_node_modules(target / "node_modules")
        marker.write_text(digest + "\n", encoding="utf-8")
        return node_modules


def kern_dist_dir(node_modules: Path | None = None) -> Path:
    """``@kern-ux/native/dist``: ``kern.min.css``, ``kern.css`` and ``fonts/``."""
    return (node_modules or ensure_web_assets()) / "@kern-ux" / "native" / "dist"


def axe_script_path(node_modules: Path | None = None) -> Path:
    """``axe-core/axe.min.js`` for injection into a page under test."""
    path = (node_modules or ensure_web_assets()) / _AXE_JS
    if not path.is_file():
        raise WebAssetsError(_missing_message(f"{path} does not exist"))
    return path


def mount_web_assets(app: FastAPI, *, node_modules: Path | None = None) -> None:
    """Serve KERN under ``/static/kern/`` and the project stylesheet under ``/static/ikdz/``.

    Call it in the app factory: it fails at start (not at the first page view) with a
    :class:`WebAssetsError` that names ``IKDZ_WEB_ASSETS_DIR`` when the assets are missing.
    Only ``@kern-ux/native/dist`` is exposed, never the rest of ``node_modules``.
    """
    dist = kern_dist_dir(node_modules)
    app.mount(f"{STATIC_PATH}/kern", StaticFiles(directory=dist), name=KERN_STATIC_ROUTE)
    app.mount(f"{STATIC_PATH}/ikdz", StaticFiles(directory=project_static_dir()), name=PROJECT_STATIC_ROUTE)
