"""The borrower's app in a real browser on a phone-sized screen (Debian's Chromium, no downloads).

Sign in with a one-time code, see the limit and the APR, borrow (schedule and APR shown before
confirming), repay in full, see the loan closed and the limit restored; then the ledger's trial
balance is zero and the books reconcile. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from puhui.borrower import SignInCodes
from puhui.servicing.service import LendingService
from tests.api.conftest import Server, start_server
from tests.borrower.support import seed_book

from .test_browser import ARTIFACTS, browser  # noqa: F401  (the fixture, found by name)

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def bank(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    seed_book(sqlite_url).close()
    yield from start_server(sqlite_url, tmp_path)


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"app-{name}.png"), full_page=True)


def _small_targets(page: Page) -> list[str]:
    """Visible buttons, links, inputs and selects smaller than 44 x 44 CSS pixels."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('a, button, input:not([type=hidden]), select')]
                .filter(e => e.offsetParent !== null)
                .filter(e => { const r = e.getBoundingClientRect();
                               return r.height < 44 || r.width < 44; })
                .map(e => e.outerHTML.slice(0, 80))"""
        )
    )


def _unlabelled(page: Page) -> list[str]:
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select')]
                .filter(e => e.labels.length === 0).map(e => e.outerHTML.slice(0, 80))"""
        )
    )


#: WCAG 2.1 contrast of each visible text element against the first opaque background behind
#: it; returns the ones under 4.5:1 (AA for normal text).
_LOW_CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = e => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const e of document.querySelectorAll('body *')) {
    const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!e.offsetParent || !text) continue;
    const a = lum(rgb(getComputedStyle(e).color).slice(0, 3)), b = lum(bg(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const what = e.tagName + ' ' + ratio.toFixed(2) + ' ' + e.textContent.trim().slice(0, 30);
    if (ratio < 4.5) low.push(what);
  }
  return low;
}"""


def _low_contrast(page: Page) -> list[str]:
    return list(page.evaluate(_LOW_CONTRAST))


def test_borrow_and_repay_on_a_phone(browser: Browser, bank: Server) -> None:  # noqa: F811
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale="zh-CN"
    )
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(bank.base_url) else outside.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    codes = SignInCodes(bank.database_url)
    code = codes.issue("C-ALICE")
    codes.close()
    page.goto(bank.base_url + "/app")
    assert page.url.endswith("/app/login")
    assert _small_targets(page) == [] and _unlabelled(page) == [] and _low_contrast(page) == []
    # the contrast check finds pale text when there is some
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<p id=pale style=\"color:#bbb\">pale</p>')"
    )
    assert [x for x in _low_contrast(page) if "pale" in x]
    page.evaluate("document.getElementById('pale').remove()")
    page.get_by_label("客户号").nth(1).fill("C-ALICE")
    page.get_by_label("验证码（6位数字）").fill(code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/app")

    # Home: the available limit and the APR, before any borrowing
    assert page.get_by_test_id("available").inner_text() == "20,000.00 CNY"
    apr = page.get_by_test_id("apr").inner_text()
    assert apr.startswith("18.") and apr.endswith("%")
    assert "每天利息约" in page.get_by_test_id("daily").inner_text()
    assert _small_targets(page) == [] and _unlabelled(page) == [] and _low_contrast(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "home")

    # Borrow: the schedule, the total cost and the APR are shown before confirming
    page.get_by_role("link", name="去借款").click()
    page.get_by_label("借款金额 (CNY)").fill("5000")
    page.get_by_label("分期期数").select_option("5")
    page.get_by_role("button", name="查看还款计划").click()
    schedule = page.get_by_test_id("schedule")
    assert schedule.locator("tbody tr").count() == 5
    assert page.get_by_test_id("quote-apr").inner_text() == apr
    assert page.get_by_test_id("total-cost").inner_text().endswith("CNY")
    assert _small_targets(page) == [] and _unlabelled(page) == []
    _shot(page, "quote")
    page.get_by_test_id("confirm").click()
    page.wait_for_url("**/app/loans/*")
    assert "借款成功" in page.content()
    assert page.get_by_test_id("loan-status").inner_text() == "还款中"
    assert _small_targets(page) == [] and _unlabelled(page) == [] and _low_contrast(page) == []
    _shot(page, "loan")

    # Home again: the limit is used
    page.get_by_role("link", name="首页").click()
    assert page.get_by_test_id("available").inner_text() == "15,000.00 CNY"

    # Repay in full: the loan is closed and the limit restored
    page.get_by_role("link", name="我的借款").click()
    page.locator("ul.list a").first.click()
    payoff = page.get_by_test_id("payoff").inner_text()
    assert payoff == "5,000.00 CNY"  # borrowed today: no interest yet
    page.get_by_test_id("repay-all").click()
    page.wait_for_url("**done=repaid")
    assert page.get_by_test_id("loan-status").inner_text() == "已结清"
    assert page.get_by_test_id("closed").is_visible()
    _shot(page, "closed")
    page.get_by_role("link", name="首页").click()
    assert page.get_by_test_id("available").inner_text() == "20,000.00 CNY"

    # English reads naturally too
    page.get_by_role("link", name="English").click()
    assert page.get_by_text("Annual percentage rate (APR)").first.is_visible()
    assert outside == [] and errors == []
    context.close()

    lending = LendingService(bank.database_url)
    try:
        reconciliation = lending.reconcile()
        assert reconciliation.trial_balance_zero
        assert [x.account.name for x in reconciliation.lines if not x.ok] == []
        assert [loan.status for loan in lending.loans_of_customer("C-ALICE")] == ["closed"]
    finally:
        lending.close()
