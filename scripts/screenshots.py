"""Refresh the README's screenshots from rendered reports: `make screenshots` (after `make report`).

Takes the first screen (1366x768) of the front page, the 2017 status page and one target page,
and the screen of the 2017 high-risk page that holds its first figure, with the system's
Chromium, and the first page of the 2017 status PDF (pypdfium2), into docs/screenshots/.
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "outputs"
PAGES = {
    "front.png": "index.html",
    "year.png": "2017/index.html",
    "target.png": "2017/skole_alkohol.html",
    "high_risk.png": "2017/high-risk.html",
}
AT_FIRST_FIGURE = ("high_risk.png",)  # a page whose first screen is words: show its first figure


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("Chromium not found: install it with 'sudo apt-get install chromium'")
    target = ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        for name, relative in PAGES.items():
            page.goto((OUTPUTS / relative).as_uri())
            if name in AT_FIRST_FIGURE:
                page.evaluate("document.querySelector('img').scrollIntoView({block: 'center'})")
            page.screenshot(path=str(target / name))
            print(f"docs/screenshots/{name} <- {relative}")
        browser.close()
    pdf_first_page(target / "pdf.png")


def pdf_first_page(target: Path) -> None:
    import pypdfium2 as pdfium

    pdf = next((OUTPUTS / "2017").glob("*-2017.pdf"), None)
    if pdf is None:
        raise SystemExit("no status PDF for 2017: run 'make report' (without --no-pdf) first")
    pdfium.PdfDocument(str(pdf))[0].render(scale=1.4).to_pil().save(target)
    print(f"docs/screenshots/{target.name} <- {pdf.relative_to(OUTPUTS)} (page 1)")


if __name__ == "__main__":
    main()
