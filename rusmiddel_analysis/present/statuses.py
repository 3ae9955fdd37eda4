"""The status vocabulary, in one place: order, group, colour, symbol, badge and the text keys.

Every page, plot, table and sentence that shows a status takes it from here, so the badge, the
colour, the words and the summary can never disagree. What a reader sees for a status comes from
`shown_status`: the assessment's status, except that the baseline year itself
(insufficient_data with the reason `baseline_year`) is shown as the baseline, which is what it is.

Colours carry white text with a contrast of at least 4.5:1 (WCAG 2.1 AA); the symbol and the
words carry the meaning, so the colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from rusmiddel_analysis.calc import records
from rusmiddel_analysis.config.settings import StrategySettings
from rusmiddel_analysis.present.html import html
from rusmiddel_analysis.present.textcatalog import setting_values, text


@dataclass(frozen=True)
class Status:
    key: str
    group: str  # good, behind, bad, open, unknown, baseline: the summary's groups
    colour: str
    symbol: str


# In the order a reader scans them: good news first, then behind, undecided, bad, no data.
STATUSES: tuple[Status, ...] = (
    Status("achieved", "good", "#006E4F", "✓"),
    Status("on_track", "good", "#006E4F", "↗"),
    Status("maintained", "good", "#006E4F", "="),
    Status("needs_acceleration", "behind", "#8A5A00", "→"),
    Status("limited_progress", "behind", "#8A5A00", "⋯"),  # barely moving; distinct from → in print
    Status("deterioration", "bad", "#A63A00", "↘"),
    Status("not_achieved", "bad", "#A63A00", "✗"),
    Status("worsened", "bad", "#A63A00", "↘"),
    Status("insufficient_data", "unknown", "#595959", "–"),
    Status("baseline", "baseline", "#005A8C", "●"),
)
BY_KEY = {s.key: s for s in STATUSES}
ORDER = tuple(s.key for s in STATUSES)
ASSESSED = tuple(s.key for s in STATUSES if s.key != "baseline")  # what `assessment.assess` can return
GROUPS = ("good", "behind", "bad", "unknown")
# how sure a status is (calc/verdict.py): only an uncertain one is marked, in words and with a dashed
# edge, so certain and uncertain never differ by colour alone
UNCERTAIN = "uncertain"


def shown_status(status: str, data_quality: str = "") -> str:
    if status == "insufficient_data" and records.has_problem({"data_quality": data_quality}, "baseline_year"):
        return "baseline"
    return status


def colour(status: str, data_quality: str = "") -> str:
    return BY_KEY[shown_status(status, data_quality)].colour


def group(status: str) -> str:
    return BY_KEY[status].group


def status_words(status: str, lang: str, data_quality: str = "") -> str:
    """The status's one word, the same on every page, badge, legend, summary and PDF."""
    return text(f"status.{shown_status(status, data_quality)}", lang)


def status_explained(status: str, lang: str, settings: StrategySettings) -> str:
    """What a status means, in a sentence for the legends (the strategy's threshold for on track filled in)."""
    return text(f"status_explained.{status}", lang, **setting_values(settings, lang))


def status_badge(status: str, lang: str, data_quality: str = "", certainty: str | None = None) -> Markup:
    """A coloured badge with a symbol and the status in words (the colour is never the only signal);
    an uncertain status says so in words too ("Ikke nået · usikker")."""
    key = shown_status(status, data_quality)
    label = status_words(status, lang, data_quality)
    uncertain = certainty == UNCERTAIN
    if uncertain:
        label = text("certainty.badge_uncertain", lang, status=label)
    return html("badge", key, BY_KEY[key].symbol, label, "", uncertain)


# no data is drawn hollow (white with a dashed edge): under red-green colour blindness or in grey
# print a filled grey would look like the filled green of "achieved"
HOLLOW = ("insufficient_data",)


def _badge_css(s: Status) -> str:
    if s.key in HOLLOW:
        return f".rm-status-{s.key} {{ background: #fff; color: {s.colour}; border: 1px dashed {s.colour}; }}"
    return f".rm-status-{s.key} {{ background: {s.colour}; color: #fff; }}"


def stylesheet() -> str:
    """The statuses' colours as CSS: each badge (white text on its colour; no data hollow), and the
    border of each verdict box; an uncertain badge gets a dashed edge besides its words."""
    rules = [f"{_badge_css(s)}\n.rm-verdict-{s.key} {{ border-color: {s.colour}; }}" for s in STATUSES]
    return "\n".join([*rules, ".rm-badge.rm-uncertain { outline: 2px dashed currentColor; outline-offset: 1px; }"])


def counts_by_group(statuses) -> dict[str, int]:
    """How many statuses fall in each summary group, in the order of GROUPS (empty groups left out)."""
    counts = {g: 0 for g in GROUPS}
    for status in statuses:
        counts[group(status)] += 1
    return {g: n for g, n in counts.items() if n}
