"""The gap report as a PDF, drawn by WeasyPrint from an autoescaped template.

The charts are the page's own Vega-Lite specs, turned into SVG by vl-convert (no browser) and
embedded as data URIs. Nothing in the document may make WeasyPrint or vl-convert fetch a URL:
the report holds text that employers and providers typed, so a fetch would be a way in.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import vl_convert
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from web.board.charts import Figure

# A4 less the page margins, in CSS pixels: charts are drawn to this width, not to a container.
CHART_WIDTH = 620
MIMETYPE = "application/pdf"


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int


def url_fetcher() -> URLFetcher:
    """A fetcher that serves only ``data:`` URIs (the embedded charts) and refuses the rest."""
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def chart_svg(figure: Figure) -> str:
    """The chart drawn as SVG at the document's width, with every external data URL refused."""
    spec: dict[str, Any] = {**figure.spec(), "width": CHART_WIDTH}
    svg: str = vl_convert.vegalite_to_svg(spec, allowed_base_urls=[])
    return svg


def chart_images(figures: dict[str, Figure]) -> dict[str, str]:
    """``data:`` URIs of the SVG of each figure that has something to draw, by figure key."""
    return {
        key: "data:image/svg+xml;base64,"
        + base64.b64encode(chart_svg(figure).encode()).decode("ascii")
        for key, figure in figures.items()
        if figure.has_data
    }


def write_pdf(html: str) -> Pdf:
    """Lay out ``html`` (rendered by Jinja with autoescape) and write it as PDF."""
    document = HTML(string=html, url_fetcher=url_fetcher()).render()
    return Pdf(document.write_pdf(), len(document.pages))


def file_name(stem: str) -> str:
    """The download's file name: only the characters a file name needs, whatever ``stem`` is."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in stem)
    return f"{safe}.pdf"
