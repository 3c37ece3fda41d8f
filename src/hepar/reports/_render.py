"""HTML from the package's Jinja2 templates, PDF from HTML with WeasyPrint."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

__all__ = ["html_to_pdf", "render_html"]


def _fmt(value: Any, digits: int = 1) -> str:
    """A number for a table: fixed digits; '-' for None."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{100.0 * value:.{digits}f}"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("hepar.reports", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = _fmt
    env.filters["pct"] = _pct
    return env


def render_html(template: str, context: Mapping[str, Any]) -> str:
    """Render ``templates/<template>`` with ``context``."""
    return _environment().get_template(template).render(**context)


def html_to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Render the HTML file (its figures relative to it) to PDF with WeasyPrint."""
    from weasyprint import HTML

    # WeasyPrint logs every unsupported CSS property at WARNING; the templates are ours
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    HTML(filename=str(html_path), base_url=str(html_path.parent)).write_pdf(str(pdf_path))
    return pdf_path
