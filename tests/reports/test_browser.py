"""The report in a real browser (Debian's Chromium through Playwright): the charts drew, and
clicking a bar or a figure shows the statement rows behind it. Nothing outside the file loads."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import sync_playwright

from puhui.population.business import generate_business
from puhui.reports.store import build
from tests.web.test_browser import ARGS, ARTIFACTS, CHROMIUM


def test_report_charts_draw_and_figures_open_their_rows(tmp_path: Path) -> None:
    assert CHROMIUM.exists(), "Chromium is missing: run `make browser` (apt-get install chromium)"
    case = generate_business(6, months=18, signs=("concentration",))
    built = build(json.dumps(case.applicant, ensure_ascii=False), case.statement_csv(), "en")
    page_file = tmp_path / "report.html"
    page_file.write_text(built.html, encoding="utf-8")
    month = built.analysis.months[-1]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith("file:") else outside.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        # every month has a revenue bar with a real size on screen
        sizes = page.evaluate(
            """() => Array.from(document.querySelectorAll('#chart-monthly rect.bar.rev'))
                 .map(r => { const b = r.getBoundingClientRect(); return [b.width, b.height]; })"""
        )
        assert len(sizes) == len(built.analysis.months)
        assert all(w > 1 and h > 1 for w, h in sizes), sizes
        assert page.locator("#chart-customers rect.bar").count() == len(built.analysis.customers)
        # a bar opens its rows
        page.click(f'#chart-monthly rect[data-fact="revenue.{month}"]')
        panel = page.locator("#rows-panel")
        assert panel.get_attribute("class") == "open"
        expected = len(built.analysis.facts[f"revenue.{month}"].rows)
        assert page.locator("#rows-body tr").count() == expected
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-rows-en.png"))
        # a figure in the text opens the largest customer's rows; the red flag lists its rows
        page.click("#rows-close")
        page.locator('a.fact[data-fact="customer.top_share"]').first.click()
        top = built.analysis.facts["customer.top_share"].rows
        assert page.locator("#rows-body tr").count() == len(top)
        assert page.locator("#rows-body tr td").first.inner_text() == top[0]
        assert page.locator("#flag-concentration").count() == 1
        browser.close()
    assert not outside and not errors
