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
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic"]

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


@pytest.fixture(scope="module")
def crawl(browser, demo_report):
    """Open the front page and follow every link between the pages; what each page did."""
    seen, queue, visits = set(), [demo_report / "index.html"], {}
    while queue:
        path = queue.pop(0).resolve()
        if path in seen:
            continue
        seen.add(path)
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri(), wait_until="load")
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.getAttribute('alt')])")
        visits[path] = {"requests": requests, "errors": errors, "links": links, "images": images, "title": page.title(),
                        "lang": page.eval_on_selector("html", "e => e.getAttribute('lang')")}
        for href in links:
            target = (path.parent / unquote(urlparse(href).path)).resolve()
            visits[path].setdefault("targets", []).append(target)
            if target.suffix == ".html":
                queue.append(target)
        page.close()
    return visits


def test_the_crawl_reaches_every_page(crawl, demo_report, strategy):
    pages = {p.relative_to(demo_report.resolve()).as_posix() for p in crawl}
    assert pages == {"index.html", "2017/index.html", *(f"2017/{t.id}.html" for t in strategy.targets)}


def test_no_page_calls_the_network_or_logs_an_error(crawl):
    for path, visit in crawl.items():
        outside = [u for u in visit["requests"] if not u.startswith(("file:", "data:"))]
        assert outside == [], (path.name, outside)
        assert visit["errors"] == [], (path.name, visit["errors"])


def test_every_image_is_rendered_and_described(crawl):
    for path, visit in crawl.items():
        for complete, width, alt in visit["images"]:
            assert complete and width > 0, path
            assert alt and len(alt) > 20, path


def test_every_internal_link_resolves(crawl):
    for path, visit in crawl.items():
        for target in visit.get("targets", []):
            assert target.exists(), (path.name, target)


def test_titles_and_language(crawl):
    for path, visit in crawl.items():
        assert visit["lang"] == "da" and len(visit["title"]) > 10, path
        assert "2017" in visit["title"] or "år for år" in visit["title"]


def test_status_table_is_in_the_first_screen(browser, demo_report, tmp_path_factory):
    shots = tmp_path_factory.mktemp("screenshots")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto((demo_report / "2017" / "index.html").as_uri())
    table = page.locator("table.rm-table").first
    box = table.bounding_box()
    assert table.is_visible() and box["y"] + 80 < 768  # the header and the first rows show without scrolling
    page.screenshot(path=str(shots / "year.png"))
    for name, url in (("front.png", demo_report / "index.html"), ("target.png", demo_report / "2017" / "skole_alkohol.html")):
        page.goto(url.as_uri())
        page.screenshot(path=str(shots / name))
    assert all((shots / n).stat().st_size > 10_000 for n in ("year.png", "front.png", "target.png"))
    page.close()
