"""Shared web kit for the server-rendered pages of intake (citizens) and routing (clerks).

KERN UX design system assets (:mod:`.assets`), the Jinja2 page frame and component macros
(:mod:`.templating`, ``templates/base.html``, ``templates/macros.html``) and CSRF protection for
forms (:mod:`.csrf`). The browser/axe test harness lives in :mod:`.browser_testing` (test-only).
See docs/ui.md.
"""

from ikdz_platform.web.assets import (
    ASSETS_DIR_ENV,
    STATIC_PATH,
    WebAssetsError,
    ensure_web_assets,
    mount_web_assets,
)
from ikdz_platform.web.csrf import (
    CSRF_FIELD_NAME,
    CsrfError,
    CsrfProtected,
    add_csrf_error_page,
    issue_csrf_token,
    render_with_csrf,
    set_csrf_cookie,
    verify_csrf,
)
from ikdz_platform.web.templating import SHARED_TEMPLATES_DIR, jinja_environment, templates

__all__ = [
    "ASSETS_DIR_ENV",
    "CSRF_FIELD_NAME",
    "SHARED_TEMPLATES_DIR",
    "STATIC_PATH",
    "CsrfError",
    "CsrfProtected",
    "WebAssetsError",
    "add_csrf_error_page",
    "ensure_web_assets",
    "issue_csrf_token",
    "jinja_environment",
    "mount_web_assets",
    "render_with_csrf",
    "set_csrf_cookie",
    "templates",
    "verify_csrf",
]
