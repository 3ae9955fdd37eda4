"""A print-ready PDF of a published page: WeasyPrint, with the pages' own print stylesheet.

The page (present/templates/rusmiddel/rusmiddel.css, `@media print` and `@page`) sets A4, the
strategy's name and year at the top of each page, page numbers, the date and version at the
foot, tables that fit the width and never split a row, figures never split. WeasyPrint lays
it out with the system's Pango, installs from the package registry, and needs no browser.
"""

from __future__ import annotations

from pathlib import Path

from rusmiddel_analysis.config.files import write_atomically


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained page (its images are embedded, so nothing is fetched)."""
    import logging

    import weasyprint

    # the stylesheet is for browsers too: WeasyPrint notes every screen-only property it skips
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=None).write_pdf()


def write_pdf(html: str, path: Path) -> None:
    """Write the page's PDF atomically: a failed rendering leaves the previous file as it was."""
    write_atomically(path, html_to_pdf(html))
