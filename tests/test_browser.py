"""The pages as a reader sees them: headless Chromium driven by Playwright, offline, after a real report run.

Needs the system's Chromium (Debian package `chromium`); Playwright never downloads a browser.
Without Chromium the tests are skipped with the install hint, except in CI, where they must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HINT = "Chromium not found: install it with 'sudo apt-get install chromium' (Debian/Ubuntu) or 'brew install --cask chromium'"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {HINT}", pytrace=False)
    pytest.skip(HINT, allow_module_level=True)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def visit(browser, path: Path) -> dict:
    """Load one page as a reader would; record its requests, console errors, links and images."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.getAttribute('alt')])")
    result = {
        "requests": requests,
        "errors": errors,
        "links": links,
        "images": images,
        "title": page.title(),
        "lang": page.eval_on_selector("html", "e => e.getAttribute('lang')"),
        "targets": [(path.parent / unquote(urlparse(href).path)).resolve() for href in links],
    }
    page.close()
    return result


@pytest.fixture(scope="module")
def crawl(browser, demo_report):
    """Open the front page and follow every link between the pages; what each page did."""
    seen, queue, visits = set(), [demo_report / "index.html"], {}
    while queue:
        path = queue.pop(0).resolve()
        if path in seen:
            continue
        seen.add(path)
        visits[path] = visit(browser, path)
        queue.extend(t for t in visits[path]["targets"] if t.suffix == ".html")
    return visits


def test_the_checks_notice_a_bad_page(browser, tmp_path):
    """The crawler's checks are not vacuous: a page that calls the network and fails is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<html><body><img src="http://127.0.0.1:9/x.png" alt="x"><a href="missing.html">x</a><script>console.error("boom")</script></body></html>'
    )
    seen = visit(browser, bad)
    assert any(u.startswith("http://127.0.0.1:9/") for u in seen["requests"])
    assert "boom" in seen["errors"]
    assert seen["images"][0][1] == 0 and not seen["targets"][0].exists()


def test_the_crawl_reaches_every_page(crawl, demo_report, strategy):
    pages = {p.relative_to(demo_report.resolve()).as_posix() for p in crawl}
    expected = {
        "index.html",
        "methodology.html",
        "saadan-har-vi-regnet.html",
        "2017/index.html",
        "2017/high-risk.html",
        *(f"2017/{t.id}.html" for t in strategy.targets),
    }
    assert pages == expected


def test_no_page_calls_the_network_or_logs_an_error(crawl):
    for path, seen in crawl.items():
        outside = [u for u in seen["requests"] if not u.startswith(("file:", "data:"))]
        assert outside == [], (path.name, outside)
        assert seen["errors"] == [], (path.name, seen["errors"])


def test_every_image_is_rendered_and_described(crawl):
    for path, seen in crawl.items():
        for complete, width, alt in seen["images"]:
            assert complete and width > 0, path
            assert alt and len(alt) > 20, path


def test_every_internal_link_resolves(crawl):
    for path, seen in crawl.items():
        for target in seen["targets"]:
            assert target.exists(), (path.name, target)


def test_titles_and_language(crawl):
    for path, seen in crawl.items():
        if path.name == "methodology.html":  # the methods as the repository keeps them, in English
            assert seen["lang"] == "en" and "methodology" in seen["title"]
            continue
        assert seen["lang"] == "da" and len(seen["title"]) > 10, path
        assert "2017" in seen["title"] or "år for år" in seen["title"] or path.name == "saadan-har-vi-regnet.html"


def test_the_resume_is_in_the_first_screen(browser, demo_report, tmp_path_factory):
    """The committee's document opens with who, when, the data and the resumé: its count of statuses
    shows without scrolling on a laptop; the targets table follows it."""
    shots = tmp_path_factory.mktemp("screenshots")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto((demo_report / "2017" / "index.html").as_uri())
    count = page.get_by_text("Status for de 10 mål i 2017:")
    assert count.is_visible() and count.bounding_box()["y"] + 20 < 768
    table = page.locator("table.rm-table").first
    assert table.bounding_box()["y"] > count.bounding_box()["y"]
    page.screenshot(path=str(shots / "year.png"))
    for name, url in (("front.png", demo_report / "index.html"), ("target.png", demo_report / "2017" / "skole_alkohol.html")):
        page.goto(url.as_uri())
        page.screenshot(path=str(shots / name))
    assert all((shots / n).stat().st_size > 10_000 for n in ("year.png", "front.png", "target.png"))
    page.close()


WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def test_every_page_meets_wcag_2_1_aa(browser, crawl):
    """axe-core (bundled with axe-playwright-python) finds no WCAG 2.1 A/AA violation on the front
    page and on every page of the year."""
    from axe_playwright_python.sync_playwright import Axe

    axe, found = Axe(), {}
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    for path in crawl:
        page.goto(path.as_uri())
        violations = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}}).response["violations"]
        if violations:
            found[path.name] = [(v["id"], len(v["nodes"])) for v in violations]
    page.close()
    assert found == {}


def test_axe_notices_a_page_that_fails(browser, tmp_path):
    """The accessibility check is not vacuous: grey on grey, no language, an image without text."""
    from axe_playwright_python.sync_playwright import Axe

    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><p style="color:#999;background:#aaa">grå</p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></body></html>')
    page = browser.new_page()
    page.goto(bad.as_uri())
    rules = {v["id"] for v in Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}}).response["violations"]}
    page.close()
    assert {"color-contrast", "html-has-lang", "image-alt"} <= rules


def test_pages_reflow_at_320_px_and_show_focus(browser, demo_report):
    page = browser.new_page(viewport={"width": 320, "height": 640})
    for name in ("index.html", "2017/index.html", "2017/skole_alkohol.html", "2017/high-risk.html"):
        page.goto((demo_report / name).as_uri())
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (name, width)  # wide tables scroll inside themselves; the page does not
    page.keyboard.press("Tab")  # the first tab stop is the skip link, and it shows when focused
    assert page.evaluate("document.activeElement.className") == "rm-skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
    page.close()


def _inside(box: dict, width: int) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5


def test_the_front_page_table_fits_a_screen_and_opens_at_the_latest_year_on_a_phone(browser, demo_dirs, strategy, tmp_path):
    """Every year of the strategy on the front page: at 1280 px the whole table shows (no scrolling,
    the last year within the screen); on a phone it scrolls inside itself, opening at the latest year
    beside the targets' names."""
    from rusmiddel_analysis.calc.assessment import assess
    from rusmiddel_analysis.calc.indicators import compute
    from rusmiddel_analysis.publish.front import write_front_page

    _, processed = demo_dirs
    indicators = compute(strategy, processed)
    for year in strategy.years:
        (tmp_path / str(year)).mkdir()
        assess(strategy, indicators, year).to_csv(tmp_path / str(year) / "assessment.csv", index=False)
    front = write_front_page(strategy, tmp_path, "da", demo=True)
    last, first = f"table thead th:text-is('{strategy.years[-1]}')", "table tbody th >> nth=0"
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(front.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate("(w => w.scrollWidth <= w.clientWidth)(document.querySelector('.rm-scroll-latest'))")
    assert _inside(page.locator(last).bounding_box(), 1280)
    page.close()
    for width in (390, 320):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto(front.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        header = page.locator(last)  # scrolled to vertically only: the table must open at it
        page.evaluate(f"window.scrollTo(0, {header.bounding_box()['y']} - 100)")
        box = header.bounding_box()
        assert _inside(box, width) and _inside(page.locator(first).bounding_box(), width), (width, box)
        # the latest year is not under the names kept at the left: the point at its middle is the header itself
        at = f"document.elementFromPoint({box['x'] + box['width'] / 2}, {box['y'] + box['height'] / 2}).textContent"
        assert page.evaluate(at) == str(strategy.years[-1])
        page.close()


def test_the_status_of_every_target_shows_on_a_phone(browser, demo_report):
    """The year page's table of targets: on a phone every status badge is on the screen (each target a
    card with its column names), and the page does not scroll sideways."""
    for width in (390, 320):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto((demo_report / "2017" / "index.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        badges = page.locator("table.rm-table td .rm-badge")
        assert badges.count() >= 10
        for i in range(badges.count()):  # where the page opens it (no sideways scrolling)
            assert _inside(badges.nth(i).bounding_box(), width), (width, i, badges.nth(i).bounding_box())
        label = page.evaluate("getComputedStyle(document.querySelector('table.rm-table td .rm-badge').parentElement, '::before').content")
        assert "Status" in label
        page.close()


def test_the_comparison_reads_on_a_screen_and_a_phone(browser, demo_report):
    """A target page with other areas: the trend figure's description names them, the comparison's two
    tables fit a 1280 px screen, and on a phone they scroll inside themselves, never the page."""
    from rusmiddel_analysis.present.textcatalog import text

    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.goto((demo_report / "2017" / "skole_hash.html").as_uri())
        heading = page.locator("h2", has_text=text("comparators.heading"))
        assert heading.count() == 1 and heading.is_visible()
        alts = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('alt'))")
        assert any("Tynde linjer: hele landet fra" in (alt or "").replace("\u00a0", " ") for alt in alts)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        tables = page.locator("h2:has-text('Sammenligning') ~ table")
        assert tables.count() == 2
        fits = [page.evaluate("t => t.scrollWidth <= t.clientWidth + 1", tables.nth(i).element_handle()) for i in range(2)]
        assert all(fits) if width == 1280 else True
        page.close()
