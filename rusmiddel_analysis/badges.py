"""Status colours, words and badges, shared by plots, report pages and the front page (no heavy imports).

What a reader sees for a status comes from `shown_status`: the assessment's status, except that
the baseline year itself (insufficient_data with the reason `baseline_year`) is shown as the
baseline, which is what it is.
"""

from __future__ import annotations

import html

from .textcatalog import text

# Okabe & Ito (2008) colours: green for good, orange for behind, vermillion for bad, grey for
# unknown, sky blue for the baseline year.
STATUS_COLOURS = {
    "achieved": "#009E73", "on_track": "#009E73", "maintained": "#009E73",
    "needs_acceleration": "#E69F00", "limited_progress": "#E69F00",
    "deterioration": "#D55E00", "not_achieved": "#D55E00", "worsened": "#D55E00",
    "insufficient_data": "#999999", "baseline": "#0072B2",
}


def shown_status(status: str, data_quality: str = "") -> str:
    if status == "insufficient_data" and str(data_quality or "").startswith("baseline_year"):
        return "baseline"
    return status


def status_words(status: str, lang: str, data_quality: str = "", short: bool = False) -> str:
    key = shown_status(status, data_quality)
    return text(f"status_short.{key}" if short else f"status.{key}", lang)


def status_badge(status: str, lang: str, data_quality: str = "", short: bool = False) -> str:
    """A coloured badge with the status in words (the colour is never the only signal)."""
    key = shown_status(status, data_quality)
    colour = STATUS_COLOURS[key]
    label = html.escape(status_words(status, lang, data_quality, short))
    title = f' title="{html.escape(status_words(status, lang, data_quality))}"' if short else ""
    return (f'<span class="rm-badge rm-status-{html.escape(key)}"{title} style="background:{colour};color:#fff;padding:2px 8px;'
            f'border-radius:10px;font-weight:600;white-space:nowrap">{label}</span>')
