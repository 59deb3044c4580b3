"""The readable view as an HTML page (server-rendered Jinja on the shared KERN UX page frame)."""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi import Request
from ikdz_platform.web import jinja_environment

from ikdz_einvoice.domain.invoice_view import InvoiceView, field_items

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def invoice_environment() -> jinja2.Environment:
    """The shared KERN environment with this service's templates first and the view helpers as globals."""
    env = jinja_environment(TEMPLATES_DIR)
    env.globals["field_items"] = field_items
    return env


def render_invoice_html(
    view: InvoiceView,
    *,
    town: str | None = None,
    pdf_href: str | None = None,
    back_href: str | None = None,
    request: Request | None = None,
    environment: jinja2.Environment | None = None,
) -> str:
    """The whole page; *town* is shown in the header, *pdf_href* links the PDF of the same view.

    Pass the *request* when serving the page, so asset links honour the app's ``root_path``.
    """
    env = environment or invoice_environment()
    return env.get_template("rechnung.html").render(
        view=view,
        page_title=view.title,
        service_title="E-Rechnung",
        town=town,
        pdf_href=pdf_href,
        back_href=back_href,
        request=request,
    )
