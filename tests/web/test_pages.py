"""Console pages against a real uvicorn server: sign-in, every page in zh and en, offline, roles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from puhui.db import Database
from puhui.services.bank import BankConfig, build_bank
from tests.api.conftest import Server, start_server

from .bank import seed_bank
from .conftest import csrf_of, external_references, post_login, sign_in
from .seed import MODEL_VERSION

PAGES = {
    "/console": ("业务总览", "Business overview"),
    "/console/customers": ("客户编号", "Customer"),
    "/console/customers/cust-1003": ("决策记录", "Decisions"),
    "/console/decisions": ("决策审计", "Decision audit"),
    "/console/decisions/dec-0003": ("原因码", "Reason codes"),
    "/console/decisions?outcome=refer": ("转人工", "Referred"),
    "/console/models": ("模型", "Models"),
    f"/console/models/{MODEL_VERSION}": ("校准曲线", "Calibration"),
    "/console/ledger": ("试算平衡", "Trial balance"),
}


def test_root_redirects_to_the_console_and_pages_need_sign_in(empty_console: Server) -> None:
    with httpx_client(empty_console) as c:
        r = c.get("/")
        assert r.status_code == 307 and r.headers["location"] == "/console"
        r = c.get("/console/decisions")
        assert r.status_code == 303
        assert r.headers["location"] == "/console/login?next=%2Fconsole%2Fdecisions"
        assert c.get("/console/login").status_code == 200


def test_sign_in_sets_a_strict_httponly_cookie_and_sign_out_clears_it(
    empty_console: Server,
) -> None:
    with httpx_client(empty_console) as c:
        r = post_login(c, "phk_nope_nope")
        assert r.status_code == 401 and "密钥无效" in r.text
        assert "puhui_console_key" not in r.headers.get("set-cookie", "")
        r = post_login(c, empty_console.keys["operator"], "/console/ledger")
        assert r.status_code == 303 and r.headers["location"] == "/console/ledger"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie
        assert c.get("/console/ledger").status_code == 200
        r = c.post("/console/logout", data={"csrf": csrf_of(c.get("/console/ledger").text)})
        assert r.status_code == 303
        assert c.get("/console/ledger").status_code == 303  # cookie gone: back to sign-in


def test_sign_in_never_redirects_off_site(empty_console: Server) -> None:
    with httpx_client(empty_console) as c:
        for target in ("//evil.example/", "https://evil.example/", "/v1/ledger/trial-balance"):
            r = post_login(c, empty_console.keys["admin"], target)
            assert r.headers["location"] == "/console"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_renders_offline_in_both_languages(console: Server, lang: str) -> None:
    with sign_in(console, "admin") as c:
        for path, (zh, en) in PAGES.items():
            sep = "&" if "?" in path else "?"
            r = c.get(f"{path}{sep}lang={lang}")
            assert r.status_code == 200, (path, r.text[:500])
            html = r.text
            assert (zh if lang == "zh" else en) in html, path
            assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in html
            assert external_references(html) == [], path
            assert "default-src 'self'" in r.headers["content-security-policy"]


def test_dashboard_shows_the_ledger_and_the_decisions(console: Server) -> None:
    with sign_in(console, "operator") as c:
        html = c.get("/console?lang=en").text
        assert "Ledger in balance" in html
        assert 'id="tile-customers">12<' in html  # twelve customers decided by the seed
        assert 'data-option="chart-decisions"' in html
        assert 'data-option="chart-volume"' in html
        ledger = c.get("/console/ledger?lang=en").text
        # run_demo: 1,000,000.00 funding + 5,000 + 5,000 + 1.64 + 501.64 x2 + 1.64 + 500.00
        assert "1,011,004.92 CNY" in ledger
        # the seed's third customer (PD 3.9%) is referred by the default cut-offs (3.5% / 5.5%)
        decision = c.get("/console/decisions/dec-0002?lang=zh").text
        assert "综合信用评估需人工复核" in decision  # the policy's reason code, in Chinese
        assert "负债收入比偏高" in decision  # the model's reason, in Chinese
        assert "资金成本" in decision  # APR components disclosed


def test_language_is_remembered_and_follows_the_browser(console: Server) -> None:
    with sign_in(console, "admin") as c:
        assert "业务总览" in c.get("/console").text  # default Chinese
        r = c.get("/console?lang=en")
        assert "puhui_lang=en" in r.headers["set-cookie"]
        assert "Business overview" in c.get("/console").text  # remembered
    with sign_in(console, "admin") as c:
        r = c.get("/console", headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
        assert "Business overview" in r.text
        r = c.get("/console", headers={"Accept-Language": "fr-FR,zh-TW;q=0.8,en;q=0.3"})
        assert "业务总览" in r.text


def test_roles_decide_pages_and_masking(console: Server) -> None:
    with sign_in(console, "agent") as c:
        assert c.get("/console/customers/cust-1003").status_code == 200
        assert "cust-1003" in c.get("/console/decisions").text
        for path in ("/console/models", "/console/ledger", f"/console/models/{MODEL_VERSION}"):
            r = c.get(path + "?lang=en")
            assert r.status_code == 403 and "Not available to your role" in r.text
        nav = c.get("/console").text
        assert 'href="/console/models"' not in nav and 'href="/console/customers"' in nav
    with sign_in(console, "risk_analyst") as c:
        for path in ("/console/customers", "/console/customers/cust-1003", "/console/loans/1"):
            assert c.get(path).status_code == 403, path
        for path in ("/console/decisions", "/console/decisions/dec-0003"):
            html = c.get(path + "?lang=en").text
            assert "Customer identifiers are masked" in html
            assert "cust-10" not in html and "app-00" not in html, path
            assert "/console/customers/" not in html
        assert c.get(f"/console/models/{MODEL_VERSION}").status_code == 200


def test_unknown_records_are_404_pages(console: Server) -> None:
    with sign_in(console, "admin") as c:
        for path in (
            "/console/decisions/nope",
            "/console/models/nope",
            "/console/customers/nobody",
            "/console/loans/12345",
            "/console/loans/not-a-number",
        ):
            r = c.get(path + "?lang=en")
            assert r.status_code == 404 and "We could not find that record" in r.text, path


def test_an_empty_database_shows_no_data_yet(empty_console: Server) -> None:
    with sign_in(empty_console, "admin") as c:
        for path in ("/console", "/console/customers", "/console/decisions", "/console/models"):
            r = c.get(path + "?lang=zh")
            assert r.status_code == 200 and "暂无数据" in r.text, path
        assert "No data yet" in c.get("/console/models?lang=en").text


def test_static_assets_are_served_locally(empty_console: Server) -> None:
    with httpx_client(empty_console) as c:
        r = c.get("/console/static/vendor/echarts/echarts.min.js")
        assert r.status_code == 200 and len(r.content) > 500_000
        assert "javascript" in r.headers["content-type"]
        assert c.get("/console/static/console.css").status_code == 200
        assert c.get("/console/static/vendor/echarts/LICENSE").status_code == 200


def httpx_client(server: Server):  # type: ignore[no-untyped-def]
    return server.client(None)


def test_a_running_bank_on_both_backends(database_url: str, tmp_path: Path) -> None:
    """Lines, loans and COB from the lending service; decisions from the decision service."""
    bank = seed_bank(database_url, tmp_path)
    for server in start_server(database_url, tmp_path):
        with sign_in(server, "agent") as c:
            dash = c.get("/console?lang=en").text
            assert f'id="tile-customers">{len(set(bank.customers))}<' in dash
            for chart in ("chart-dpd", "chart-vintage", "chart-decisions"):
                assert f'data-option="{chart}"' in dash, chart
            assert "M3" in dash  # the late payers reached 61-90 days past due
            late = c.get(f"/console/loans/{bank.late_loans[0]}?lang=en")
            assert late.status_code == 200 and "Effective APR (IRR)" in late.text
            assert late.text.count("<td>2026-0") >= 5  # five due dates in the schedule
            assert "Credit decision" in late.text and "Approved" in late.text
            good = c.get(f"/console/loans/{bank.loans[1]}?lang=zh").text
            assert "交易流水" in good and "暂无数据" not in good.split("交易流水")[1][:400]
            owner = bank.customers[0]
            page = c.get(f"/console/customers/{owner}?lang=en").text
            assert owner in page and "Credit lines" in page
            assert external_references(dash + late.text + page) == []
            assert 'id="tile-customers"' in dash and "bytes / account" in dash
            assert "EAD" in dash and "LGD 85%, CCF 10%" in dash and "(decision_audit)" in dash
        with sign_in(server, "risk_analyst") as c:
            html = c.get("/console/decisions?lang=en").text
            assert all(customer not in html for customer in bank.customers)
            model = c.get(f"/console/models/{bank.model_version}?lang=en").text
            assert 'data-option="chart-calibration"' in model and "Intended use" in model


def test_the_main_jobs_bank(sqlite_url: str, tmp_path: Path) -> None:
    """What `puhui run` builds (puhui.services.bank), as the console shows it."""
    config = BankConfig(
        customers=1_500, history=8_000, seed=7, start=date(2026, 1, 5), days=45, borrowers=80
    )
    summary = build_bank(sqlite_url, tmp_path, config)
    db = Database(sqlite_url)
    loan_id, customer = db.one(
        "SELECT l.id, c.customer_id FROM lending_loans l JOIN lending_lines c ON c.id = l.line_id "
        "ORDER BY l.id LIMIT 1"
    )
    declined = db.one("SELECT decision_id FROM decision_audit WHERE outcome = 'decline' LIMIT 1")
    (active,) = db.one("SELECT COUNT(*) FROM lending_lines WHERE status = 'active'")
    (frozen,) = db.one("SELECT COUNT(*) FROM lending_lines WHERE status = 'frozen'")
    db.close()
    assert active + frozen == summary["approved"]  # late payers' lines are frozen by COB
    for server in start_server(sqlite_url, tmp_path):
        with sign_in(server, "operator") as c:
            dash = c.get("/console?lang=en").text
            assert 'id="tile-customers">1,500<' in dash
            assert f"{active:,}" in dash  # active lines
            page = c.get(f"/console/customers/{customer}?lang=zh").text
            assert "客户资料" in page and "月收入" in page  # the profile, labelled in Chinese
            assert "true_pd" not in page and "drawdown_propensity" not in page
            loan = c.get(f"/console/loans/{loan_id}?lang=en").text
            assert "Credit decision" in loan and "Approved" in loan
            decision = c.get(f"/console/decisions/{declined[0]}?lang=en").text
            assert "Declined" in decision and 'class="reasons"' in decision
            models = c.get("/console/models").text
            assert summary["model_version"] in models
