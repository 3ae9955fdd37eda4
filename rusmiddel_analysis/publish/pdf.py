"""A print-ready PDF of a published page: WeasyPrint, with the pages' own print stylesheet.

The page (present/templates/rusmiddel/rusmiddel.css, `@media print` and `@page`) sets A4, the
strategy's name and year at the top of each page, page numbers, the date and version at the
foot, tables that fit the width and never split a row, figures never split. WeasyPrint lays
it out with the system's Pango, installs from the package registry, and needs no browser.

The PDF goes to the committee, so its renderer reads nothing but the page: the URL fetcher
serves only our figures' embedded `data:` images (SVG, PNG) and refuses every other address
(a local file, the network, any other `data:` type), and the PDF never carries an attachment
(WeasyPrint embeds the target of `<link rel=attachment>` and `<a rel=attachment>`).
"""

from __future__ import annotations

import re
from pathlib import Path

from rusmiddel_analysis.config.files import write_atomically

# the figures' images as the pages embed them (present/plots.py, nbconvert's embed_images)
OWN_FIGURE = re.compile(r"data:image/(?:svg\+xml|png)[;,]", re.IGNORECASE)


class RefusedAddress(ValueError):
    """An address the PDF renderer may not read (a file, the network, anything but our figures)."""


def figures_only_fetcher():
    """WeasyPrint's URL fetcher for our pages: a figure's embedded data URI, nothing else."""
    from weasyprint.urls import URLFetcher

    class FiguresOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not OWN_FIGURE.match(url):
                raise RefusedAddress(f"the PDF reads only the page's own figures, not {url.split(':', 1)[0]}: addresses")
            return super().fetch(url, headers)

    return FiguresOnly(allowed_protocols=("data",), allow_redirects=False)


def _without_attachments(document) -> None:
    """Drop every attachment WeasyPrint collected (document-level links, and links on pages)."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained page: only its embedded figures are read, and nothing is attached."""
    import logging

    import weasyprint

    # the stylesheet is for browsers too: WeasyPrint notes every screen-only property it skips
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=figures_only_fetcher()).render()
    _without_attachments(document)
    return document.write_pdf()


def write_pdf(html: str, path: Path) -> None:
    """Write the page's PDF atomically: a failed rendering leaves the previous file as it was."""
    write_atomically(path, html_to_pdf(html))
