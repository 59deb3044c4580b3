"""Browser and accessibility test harness: Debian's Chromium driven by Playwright, checked with axe-core.

Test-only (imports Playwright and pytest, which are dev dependencies). Playwright's own browser
download does not work on the build machines, so this never runs ``playwright install``: it uses
``/usr/bin/chromium`` from Debian, installed by :func:`ensure_chromium`.

In a test module::

    from ikdz_platform.web.browser_testing import assert_no_axe_violations, browser_page, serve_app

    @pytest.mark.browser
    async def test_form_is_accessible() -> None:
        async with serve_app(create_app()) as base_url, browser_page(java_script_enabled=False) as page:
            await page.goto(f"{base_url}/antrag")
            await assert_no_axe_violations(page)

or import the fixtures ``chromium_browser`` (one browser per session) and ``browser_page_nojs``
/ ``browser_page_js`` into a ``conftest.py``, together with a hook that installs Chromium and the
npm assets before the first test starts its timeout::

    def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
        if any(item.get_closest_marker("browser") for item in items):
            ensure_browser_prerequisites()
"""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from ikdz_platform.web._locks import file_lock
from ikdz_platform.web.assets import axe_script_path, ensure_web_assets

__all__ = [
    "CHROMIUM_ARGS",
    "CHROMIUM_PATH",
    "WCAG_21_AA_TAGS",
    "AxeViolationsError",
    "assert_no_axe_violations",
    "browser_page",
    "browser_page_js",
    "browser_page_nojs",
    "chromium_browser",
    "ensure_browser_prerequisites",
    "ensure_chromium",
    "fill_form",
    "format_axe_violations",
    "launch_chromium",
    "run_axe",
    "serve_app",
]

CHROMIUM_PATH = Path("/usr/bin/chromium")
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)
WCAG_21_AA_TAGS: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_APT_TIMEOUT_SECONDS = 900
_SERVER_START_TIMEOUT_SECONDS = 20.0


def ensure_chromium() -> Path:
    """Return ``/usr/bin/chromium``, installing Debian's ``chromium`` package first if it is missing.

    Idempotent and safe under pytest-xdist (file lock). Needs root and apt-get.

    Raises:
        RuntimeError: Chromium is missing and cannot be installed here, with the command to run.
    """
    if os.access(CHROMIUM_PATH, os.X_OK):
        return CHROMIUM_PATH
    hint = "install it with: apt-get update && apt-get install -y chromium"
    if os.geteuid() != 0:
        raise RuntimeError(f"{CHROMIUM_PATH} is missing and this process is not root; {hint}")
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        raise RuntimeError(f"{CHROMIUM_PATH} is missing and apt-get is not available; {hint}")
    with file_lock(Path(tempfile.gettempdir()) / "ikdz-chromium-install.lock"):
        if os.access(CHROMIUM_PATH, os.X_OK):
            return CHROMIUM_PATH
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for args in ([apt_get, "update"], [apt_get, "install", "-y", "chromium"]):
            try:
                subprocess.run(  # noqa: S603 - fixed argument list
                    args, check=True, capture_output=True, text=True, env=env, timeout=_APT_TIMEOUT_SECONDS
                )
            except subprocess.CalledProcessError as exc:
                tail = (exc.stderr or exc.stdout or "").strip()[-2000:]
                raise RuntimeError(f"'{' '.join(args)}' failed (exit {exc.returncode}): {tail}; {hint}") from None
            except subprocess.TimeoutExpired:
                raise RuntimeError(f"'{' '.join(args)}' took longer than {_APT_TIMEOUT_SECONDS} s; {hint}") from None
    if not os.access(CHROMIUM_PATH, os.X_OK):
        raise RuntimeError(f"apt-get installed chromium but {CHROMIUM_PATH} is still missing; {hint}")
    return CHROMIUM_PATH


def ensure_browser_prerequisites() -> None:
    """Install Chromium and the npm assets (axe-core) before the tests run.

    Call it from a conftest's ``pytest_collection_modifyitems`` when browser tests are selected:
    a first install can take minutes, which would otherwise count against the first test's timeout.
    """
    ensure_chromium()
    ensure_web_assets()


@asynccontextmanager
async def launch_chromium() -> AsyncIterator[Browser]:
    """Headless Debian Chromium under Playwright.

    Playwright's ``launch`` gives every browser a fresh temporary ``--user-data-dir`` and deletes it
    on close, so no profile, cache or cookie survives between runs.
    """
    executable = ensure_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable),
            headless=True,
            args=list(CHROMIUM_ARGS),
        )
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def browser_page(
    *,
    java_script_enabled: bool = True,
    browser: Browser | None = None,
    viewport_width: int = 1280,
    viewport_height: int = 900,
) -> AsyncIterator[Page]:
    """A page in a fresh context (German locale, no cookies); launches Chromium unless ``browser`` is given.

    Citizen pages must work without JavaScript, so test them with ``java_script_enabled=False``.
    """
    if browser is None:
        async with (
            launch_chromium() as own_browser,
            browser_page(
                java_script_enabled=java_script_enabled,
                browser=own_browser,
                viewport_width=viewport_width,
                viewport_height=viewport_height,
            ) as page,
        ):
            yield page
        return
    context = await browser.new_context(
        java_script_enabled=java_script_enabled,
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": viewport_width, "height": viewport_height},
        service_workers="block",
    )
    try:
        page = await context.new_page()
        page.set_default_timeout(15_000)
        if not java_script_enabled:
            _PAGES_WITHOUT_JS.add(page)
        yield page
    finally:
        await context.close()


@functools.cache
def _axe_source() -> str:
    return axe_script_path().read_text(encoding="utf-8")


_PAGES_WITHOUT_JS: weakref.WeakSet[Page] = weakref.WeakSet()

# Runs callbacks as microtasks instead of timers (which never fire when scripts are disabled).
_TIMER_SHIM = """() => {
  if (window.__ikdzTimers) return true;
  window.__ikdzTimers = {setTimeout: window.setTimeout, clearTimeout: window.clearTimeout};
  let next = 0;
  const cancelled = new Set();
  window.setTimeout = (fn, _ms, ...args) => {
    const id = ++next;
    Promise.resolve().then(() => { if (!cancelled.has(id) && typeof fn === 'function') fn(...args); });
    return id;
  };
  window.clearTimeout = (id) => { cancelled.add(id); };
  return true;
}"""
_TIMER_RESTORE = """() => {
  if (window.__ikdzTimers) {
    window.setTimeout = window.__ikdzTimers.setTimeout;
    window.clearTimeout = window.__ikdzTimers.clearTimeout;
    delete window.__ikdzTimers;
  }
  return true;
}"""


async def _scripts_disabled(page: Page) -> bool:
    """Whether the page's context runs without JavaScript (then timers never fire)."""
    if page in _PAGES_WITHOUT_JS:
        return True
    try:
        await asyncio.wait_for(page.evaluate("() => new Promise(r => setTimeout(() => r(true), 0))"), 2.0)
    except TimeoutError:
        return True
    return False


async def run_axe(
    page: Page,
    *,
    tags: Sequence[str] = WCAG_21_AA_TAGS,
    disable_rules: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Inject axe-core (from the installed npm assets) into ``page`` and return its violations.

    Also works on pages opened with JavaScript disabled: Playwright still evaluates through the
    DevTools protocol, but timers never fire there and axe schedules its work with ``setTimeout``.
    For such pages ``setTimeout`` is replaced by a microtask for the duration of the run and
    restored afterwards.
    """
    source = await asyncio.to_thread(_axe_source)
    options = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable_rules},
    }
    shim = await _scripts_disabled(page)
    if shim:
        await page.evaluate(_TIMER_SHIM)
    try:
        await page.evaluate(f"() => {{ {source}\n; return true; }}")
        result: dict[str, Any] = await page.evaluate(
            "async (options) => JSON.parse(JSON.stringify(await window.axe.run(document, options)))", options
        )
    finally:
        if shim:
            await page.evaluate(_TIMER_RESTORE)
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def format_axe_violations(violations: Sequence[dict[str, Any]], *, url: str = "") -> str:
    """A readable report: rule, impact, help text and URL, then each offending node with axe's summary."""
    lines = [f"{len(violations)} axe-core violation(s){' on ' + url if url else ''}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']} [{violation['helpUrl']}]"
        )
        for node in violation.get("nodes", []):
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


class AxeViolationsError(AssertionError):
    """axe-core found WCAG 2.1 A/AA violations."""


async def assert_no_axe_violations(
    page: Page,
    *,
    tags: Sequence[str] = WCAG_21_AA_TAGS,
    disable_rules: Sequence[str] = (),
) -> None:
    """Fail with a readable list unless axe-core finds zero WCAG 2.1 A/AA violations on ``page``."""
    violations = await run_axe(page, tags=tags, disable_rules=disable_rules)
    if violations:
        raise AxeViolationsError(format_axe_violations(violations, url=page.url))


@asynccontextmanager
async def serve_app(app: Any, *, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Run an ASGI app with uvicorn on a free loopback port in a background thread; yield its base URL.

    The socket is bound before the server starts, so there is no race for the port.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="auto", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = asyncio.get_running_loop().time() + _SERVER_START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn stopped during start-up (see the log above)")
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"uvicorn did not start within {_SERVER_START_TIMEOUT_SECONDS} s")
            await asyncio.sleep(0.02)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
        sock.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chromium_browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the test session."""
    async with launch_chromium() as browser:
        yield browser


@pytest_asyncio.fixture(loop_scope="session")
async def browser_page_nojs(chromium_browser: Browser) -> AsyncIterator[Page]:
    """A fresh page with JavaScript disabled (how citizen pages must work)."""
    async with browser_page(java_script_enabled=False, browser=chromium_browser) as page:
        yield page


@pytest_asyncio.fixture(loop_scope="session")
async def browser_page_js(chromium_browser: Browser) -> AsyncIterator[Page]:
    """A fresh page with JavaScript enabled."""
    async with browser_page(java_script_enabled=True, browser=chromium_browser) as page:
        yield page


async def fill_form(page: Page, fields: Mapping[str, str]) -> None:
    """Fill the visible controls of a form as a person would; hidden bookkeeping fields are left alone."""
    for name, value in fields.items():
        control = page.locator(f'[name="{name}"]').first
        kind = await control.evaluate("el => el.tagName === 'SELECT' ? 'select' : el.type")
        if kind == "hidden":
            continue
        if kind == "select":
            await control.select_option(value)
        elif kind in {"radio", "checkbox"}:
            await page.locator(f'[name="{name}"][value="{value}"]').check()
        else:
            await control.fill(value)
