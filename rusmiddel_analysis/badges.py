"""Status colours and badges, shared by plots, report pages and the front page (no heavy imports)."""

from __future__ import annotations

import html

from .textcatalog import text

# Okabe & Ito (2008) colours: green for good, orange for behind, vermillion for bad, grey for unknown.
STATUS_COLOURS = {
    "achieved": "#009E73", "on_track": "#009E73", "maintained": "#009E73",
    "needs_acceleration": "#E69F00", "limited_progress": "#E69F00",
    "deterioration": "#D55E00", "not_achieved": "#D55E00", "worsened": "#D55E00",
    "insufficient_data": "#999999",
}


def status_badge(status: str, lang: str) -> str:
    """A coloured badge with the status in words (the colour is never the only signal)."""
    colour = STATUS_COLOURS[status]
    label = html.escape(text(f"status.{status}", lang))
    return (f'<span class="rm-badge rm-status-{html.escape(status)}" style="background:{colour};color:#fff;padding:2px 8px;'
            f'border-radius:10px;font-weight:600;white-space:nowrap">{label}</span>')
