"""HTML from one template system: the Jinja macros of present/templates/fragments.html.j2.

Every fragment a report view shows, and the front page, are rendered by Jinja with autoescaping:
text is escaped, and markup made by another macro (a `Markup`) is kept as it is. Styles are in
the stylesheet (rusmiddel.css) and, for the statuses, generated from the status vocabulary.
"""

from __future__ import annotations

from functools import cache

from markupsafe import Markup

from rusmiddel_analysis.config.paths import TEMPLATES


@cache
def environment():
    """The one Jinja environment: our templates, autoescaped."""
    from jinja2 import Environment, FileSystemLoader

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)


@cache
def _macros():
    return environment().get_template("fragments.html.j2").module


def html(macro: str, *args, **kwargs) -> Markup:
    """The markup of one macro of fragments.html.j2."""
    return Markup(str(getattr(_macros(), macro)(*args, **kwargs)).strip())
