"""Markdown written by people (the analysts' status files, our methodology) as HTML that is only text.

The analysts' status text goes into the committee's pages and PDF, so it must not carry markup of
its own: raw HTML is escaped by mistune (shown as text, never run), and what mistune makes is then
cut to an allow-list by nh3 (the Ammonia sanitiser): headings, paragraphs, lists, emphasis, code,
quotes and tables, and links to http, https and mailto only, each with rel="noopener noreferrer".
No image, no style, no script, no form, no frame, no attribute beyond a link's href and title, so
nothing in a status file can fetch a file, call the network, or restyle (hide) the demo banner.
"""

from __future__ import annotations

import re

TAGS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "em", "strong", "del", "code", "pre", "blockquote"}
    | {"table", "thead", "tbody", "tr", "th", "td"}
)
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"


def sanitise(markup: str, keep_ids: bool = False) -> str:
    """HTML cut to the allow-list (TAGS, ATTRIBUTES, absolute http/https/mailto links); `keep_ids`
    keeps headings' ids (our own methodology's section anchors, never an analyst's text)."""
    import nh3

    attributes = ATTRIBUTES | ({f"h{n}": {"id"} for n in range(1, 7)} if keep_ids else {})
    return nh3.clean(
        markup,
        tags=set(TAGS | {"a"}),
        attributes={tag: set(names) for tag, names in attributes.items()},
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render(source: str) -> str:
    """Markdown as HTML with every raw HTML tag escaped (shown as text); tables and ~~struck~~ text allowed."""
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(source)


def markdown_html(source: str, heading_offset: int = 0) -> str:
    """Markdown as sanitised HTML, headings moved down `heading_offset` levels to fit the page's outline."""
    rendered = render(source)
    if heading_offset:
        shift = lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + heading_offset)}"
        rendered = re.sub(r"<(/?)h([1-6])", shift, rendered)
    return sanitise(rendered)
