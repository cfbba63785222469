"""The console in a real browser: Playwright drives Debian's headless Chromium (no downloads).

`make browser` installs /usr/bin/chromium when it is missing; never `playwright install`.
Screenshots land in test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from puhui.db import Database
from tests.api.conftest import Server, start_server

from .bank import Bank, seed_bank

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: run `make browser` (apt-get install chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def seeded(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Server, Bank]]:
    bank = seed_bank(sqlite_url, tmp_path)
    for server in start_server(sqlite_url, tmp_path):
        yield server, bank


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def _canvas_drawn(page: Page, box_id: str) -> bool:
    """True when ECharts drew a canvas with non-blank pixels inside the chart box."""
    return bool(
        page.evaluate(
            """(id) => {
                const c = document.querySelector('#' + id + ' canvas');
                if (!c || c.width === 0) return false;
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
                return false;
            }""",
            box_id,
        )
    )


def test_console_in_a_browser(browser: Browser, seeded: tuple[Server, Bank]) -> None:
    server, bank = seeded
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(server.base_url) else outside.append(r.url)
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(server.base_url + "/")
    assert page.url.endswith("/console/login?next=%2Fconsole")
    page.fill("#api_key", server.keys["operator"])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    # dashboard, in Chinese (the browser asks for zh-CN)
    assert page.locator("h1").inner_text() == "业务总览"
    assert page.locator("#tile-customers").inner_text() == str(len(set(bank.customers)))
    assert "总账借贷平衡" in page.locator(".banner").inner_text()
    for chart in ("chart-dpd", "chart-vintage", "chart-decisions", "chart-volume"):
        assert page.get_attribute(f"#{chart}-box", "data-rendered") == "true", chart
        assert _canvas_drawn(page, f"{chart}-box"), chart
    _shot(page, "dashboard-zh")

    # switch language: remembered on the next page
    page.click("a.lang")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Business overview"
    _shot(page, "dashboard-en")

    # a loan that fell behind: schedule, APR disclosure, and the decision that granted its line
    late = bank.late_loans[0]
    page.goto(f"{server.base_url}/console/loans/{late}")
    assert page.locator("h1").inner_text() == f"Loan {late}"
    assert page.locator("table").first.locator("tbody tr").count() == 5  # five installments
    apr = page.locator(".apr").inner_text()
    assert "Effective APR (IRR)" in apr and "%" in apr
    assert "Approved" in page.content() and "Reason codes" in page.content()
    _shot(page, "loan-en")

    # the decision audit, then one decision with its reason codes and APR components
    page.goto(server.base_url + "/console/decisions?outcome=decline")
    rows = page.locator("tbody tr")
    assert rows.count() == list(bank.decisions.values()).count("decline")
    rows.first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".pill.decline").first.inner_text() == "Declined"
    assert page.locator("table.reasons tbody tr").count() >= 1
    _shot(page, "decision-en")

    # the model: metrics, calibration chart, model card
    page.goto(f"{server.base_url}/console/models/{bank.model_version}")
    page.wait_for_load_state("networkidle")
    assert _canvas_drawn(page, "chart-calibration-box")
    assert "Intended use" in page.locator("article.markdown").inner_text()
    _shot(page, "model-en")

    # the ledger, in Chinese again
    page.goto(server.base_url + "/console/ledger?lang=zh")
    assert "是" in page.locator("#trial-balance tbody").inner_text()  # balanced
    _shot(page, "ledger-zh")

    # AI governance, as the approver: inventory, a model's monitoring, maker-checker approvals
    page.click("button.link")
    page.wait_for_load_state("networkidle")
    page.fill("#api_key", server.keys["approver"])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(server.base_url + "/console/governance?lang=en")
    assert page.locator("h1").inner_text() == "AI governance: the inventory"
    assert bank.model_version in page.locator("#inventory-models").inner_text()
    assert "call.summarize" in page.locator("#inventory-ai").inner_text()
    _shot(page, "governance-en")
    page.locator("#inventory-models a").first.click()
    page.wait_for_load_state("networkidle")
    for chart in ("chart-psi", "chart-volume-gov", "chart-csi"):
        assert _canvas_drawn(page, f"{chart}-box"), chart
    assert "gender" in page.locator("#fairness").inner_text()
    _shot(page, "governance-model-en")
    page.goto(server.base_url + "/console/governance/approvals")
    for _ in range(3):  # approve the model, approve the strategy, promote the strategy
        form = page.locator("#pending form.act").first
        form.locator("input[name=reason]").fill("reviewed in the browser test")
        override = form.locator("input[name=override]")
        if override.count():  # the small sample's fairness gap is over threshold: say why
            override.fill("3,000-row sample: the gap is within sampling noise")
        form.locator("button").click()
        page.wait_for_load_state("networkidle")
        assert page.locator("#done").count() == 1, page.content()
    assert "Promoted" in page.locator("#events").inner_text()
    _shot(page, "governance-approvals-en")
    page.goto(server.base_url + "/console/governance/alerts?lang=zh")
    assert page.locator("h1").inner_text() == "监控告警"
    _shot(page, "governance-alerts-zh")

    # sign out
    page.click("button.link")
    page.wait_for_load_state("networkidle")
    assert "/console/login" in page.url

    _agent_assist(page, server, bank)

    assert outside == [], "the console must load nothing from outside the server"
    assert errors == []
    context.close()


# -- the triangle and marketing pages (portfolio, marketing) ---------------------------------
@pytest.fixture
def triangle_runs(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    """A server whose database holds one real optimisation run and one real targeting run."""
    from puhui.db import Database
    from puhui.marketing.campaign import run_campaign
    from puhui.population import PopulationConfig, generate_population
    from puhui.portfolio.optimise import optimise
    from puhui.portfolio.scoring import score, train_history_model
    from puhui.portfolio.store import save_run
    from puhui.risk.strategy import load_strategy

    model = train_history_model(rows=4_000, seed=3, kind="scorecard")
    strategy = load_strategy()
    population = generate_population(PopulationConfig(n=400, seed=3))
    result = optimise(strategy, population, score(model, population), trials=4, months=4)
    experiment = generate_population(PopulationConfig(n=3000, seed=4, contact_experiment=True))
    target = generate_population(PopulationConfig(n=3000, seed=5, contact_experiment=True))
    campaign = run_campaign(
        strategy,
        experiment,
        score(model, experiment),
        target,
        score(model, target),
        budget=200,
        months=4,
    )
    db = Database(sqlite_url)
    save_run(db, "optimisation", result.to_dict())
    save_run(db, "targeting", campaign.summary)
    db.close()
    yield from start_server(sqlite_url, tmp_path)


def test_triangle_and_marketing_pages_in_a_browser(browser: Browser, triangle_runs: Server) -> None:
    server = triangle_runs
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith(server.base_url) else outside.append(r.url)
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.base_url + "/console/login?next=/console/triangle")
    page.fill("#api_key", server.keys["risk_analyst"])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    assert page.locator("h1").inner_text() == "不可能三角：风险 · 利润 · 规模"
    for chart in ("chart-frontier-loss", "chart-frontier-approval", "chart-monthly"):
        assert page.get_attribute(f"#{chart}-box", "data-rendered") == "true", chart
        assert _canvas_drawn(page, f"{chart}-box"), chart
    assert "冠军策略" in page.locator("#triangle-tiles").inner_text()
    _shot(page, "triangle-zh")
    page.goto(server.base_url + "/console/triangle?lang=en")
    assert page.locator("h1").inner_text() == "The triangle: risk · profit · scale"
    _shot(page, "triangle-en")

    page.click("nav a[href='/console/marketing']")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Precision marketing: uplift"
    for chart in ("chart-qini", "chart-gain", "chart-targeting"):
        assert _canvas_drawn(page, f"{chart}-box"), chart
    assert "By incremental profit" in page.locator("#marketing-tiles").inner_text()
    _shot(page, "marketing-en")
    context.close()

    # an agent serves customers: no strategy pages, and no link to them
    agent = browser.new_context(locale="en-US")
    page = agent.new_page()
    page.goto(server.base_url + "/console/login?next=/console/triangle")
    page.fill("#api_key", server.keys["agent"])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("nav a[href='/console/triangle']").count() == 0
    assert "Not available to your role" in page.content()
    agent.close()
    assert outside == [] and errors == []


def _sign_in(page: Page, server: Server, role: str, target: str) -> None:
    page.goto(f"{server.base_url}/console/login?next={target}")
    page.fill("#api_key", server.keys[role])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def _agent_assist(page: Page, server: Server, bank: Bank) -> None:
    """An agent runs a live call (WebSocket, text turns); the QA supervisor reviews it."""
    # a customer whose line is active (late payers' lines are frozen by COB)
    db = Database(server.database_url)
    active = {r[0] for r in db.all("SELECT customer_id FROM lending_lines WHERE status = 'active'")}
    db.close()
    with_line = next(c for c in bank.customers if c in active)
    _sign_in(page, server, "agent", "/console/assist?lang=zh")
    assert page.locator("h1").inner_text() == "智能坐席辅助"
    page.fill("#customer_id", with_line)
    page.click("#start-call button[type=submit]")
    page.wait_for_selector("#assist-live[data-open=true]", state="attached", timeout=60_000)
    assert page.locator("#card-apr").inner_text().endswith("%")
    page.fill("#turn-text", "我们保证您百分之百能通过审批。")
    page.click("#send")
    page.wait_for_selector("#alerts li.alert", timeout=60_000)
    assert "MKT-GUARANTEE" in page.locator("#alerts").inner_text()
    page.select_option("#speaker", "customer")
    page.fill("#turn-text", "利息也太高了吧")
    page.click("#send")
    page.wait_for_selector("#suggestions li.suggestion", timeout=60_000)
    assert page.locator("#suggestions li.suggestion").count() == 3
    assert "推荐理由" in page.locator("#suggestions").inner_text()
    _shot(page, "assist-live-zh")
    page.click("#end-call")
    page.wait_for_selector("#assist-live[data-ended-call]", state="attached", timeout=60_000)
    assert "80" in page.locator("#status").inner_text()
    page.click("button.link")
    page.wait_for_load_state("networkidle")

    _sign_in(page, server, "qa_supervisor", "/console/qa?lang=en")
    assert page.locator("h1").inner_text() == "Call quality assurance"
    assert "MKT-GUARANTEE" in page.locator("#rule-rates").inner_text()
    page.locator("#calls tbody tr a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#call-score").inner_text().startswith("80")
    assert "Fail" in page.locator("#scorecard").inner_text()
    page.click("#alert-next")
    assert page.locator("#transcript li.playing").count() == 1
    _shot(page, "assist-call-en")
    page.click("button.link")
    page.wait_for_load_state("networkidle")
