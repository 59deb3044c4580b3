"""The shared Jinja2 environment: KERN page frame and component macros, extended by each service.

A service passes its own template directories; they are searched first, then the shared
``ikdz_platform/web/templates`` (``base.html``, ``macros.html``). So a service template does
``{% extends "base.html" %}`` and ``{% import "macros.html" as ui %}`` and may override either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates

from ikdz_platform.web.assets import STATIC_PATH

__all__ = ["SHARED_TEMPLATES_DIR", "jinja_environment", "static_url", "templates"]

SHARED_TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@jinja2.pass_context
def static_url(context: jinja2.runtime.Context, path: str) -> str:
    """``/static/<path>``, below the app's ``root_path`` when it runs behind a path prefix.

    Relative to the site (no scheme or host), so it works behind TLS-terminating proxies.
    """
    request = context.get("request")
    root_path = ""
    if request is not None:
        root_path = str(request.scope.get("root_path", "")).rstrip("/")
    return f"{root_path}{STATIC_PATH}/{path.lstrip('/')}"


def jinja_environment(*service_dirs: str | PathLike[str]) -> jinja2.Environment:
    """A Jinja2 environment: service dirs first, then the shared templates; autoescape on.

    Undefined variables raise (``StrictUndefined``) so a typo fails a test instead of rendering
    an empty field; use ``x is defined`` or ``x | default(...)`` for optional context.
    """
    loaders: list[jinja2.BaseLoader] = (
        [jinja2.FileSystemLoader([Path(d) for d in service_dirs])] if service_dirs else []
    )
    loaders.append(jinja2.FileSystemLoader(SHARED_TEMPLATES_DIR))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["static_url"] = static_url
    return env


def templates(
    *service_dirs: str | PathLike[str],
    context_processors: Sequence[Callable[[Request], dict[str, Any]]] | None = None,
) -> Jinja2Templates:
    """``Jinja2Templates`` over :func:`jinja_environment`, for ``templates.TemplateResponse(request, ...)``."""
    return Jinja2Templates(
        env=jinja_environment(*service_dirs),
        context_processors=list(context_processors) if context_processors is not None else None,
    )
