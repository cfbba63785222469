"""Probe 5: offline and quiet by default. /docs and /redoc load nothing from outside this
server and run under the console's CSP (checked in Chromium: no blocked or external request,
the page renders); /metrics and the ledger state of /healthz are for operator and admin keys,
or open on a separate bind (`puhui serve` with PUHUI_OPS_PORT)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from puhui.api.keys import KeyStore
from puhui.web.routes import CSP
from tests.api.conftest import Server, free_port

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_name_only_this_server(sqlite_server: Server, page: str) -> None:
    r = httpx.get(sqlite_server.base_url + page)
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == CSP
    assert "<script>" not in r.text, "no inline script under script-src 'self'"
    for url in re.findall(r'(?:src|href)="([^"]+)"', r.text):
        assert url.startswith("/"), url
        asset = httpx.get(sqlite_server.base_url + url)
        assert asset.status_code == 200 and len(asset.content) > 0, url
    assert "cdn" not in r.text.lower() and "fonts.googleapis" not in r.text


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is missing: run `make browser`")
@pytest.mark.parametrize(("page", "ready"), [("/docs", ".swagger-ui .info"), ("/redoc", "h1")])
def test_docs_render_offline_in_a_browser(sqlite_server: Server, page: str, ready: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.web.test_browser import ARGS

    outside: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            tab = browser.new_page()
            tab.on(
                "response",
                lambda req: (
                    None
                    if req.url.startswith((sqlite_server.base_url, "data:", "blob:"))
                    else outside.append(req.url)
                ),
            )
            tab.on(
                "console",
                lambda msg: (
                    problems.append(msg.text)
                    if msg.type == "error" and "Content Security Policy" in msg.text
                    else None
                ),
            )
            tab.goto(sqlite_server.base_url + page)
            tab.wait_for_selector(ready, timeout=20_000)
            assert "Puhui API" in tab.inner_text("body")
        finally:
            browser.close()
    assert outside == [], f"answered from outside this server: {outside}"
    # ReDoc's footer asks for its vendor's logo from a CDN: the CSP refuses it (and ReDoc
    # hides the image), which is the policy working; nothing else may be refused.
    assert [p for p in problems if "cdn.redoc.ly/redoc/logo-mini.svg" not in p] == [], problems


def test_metrics_and_ledger_state_need_an_operator(sqlite_server: Server) -> None:
    base = sqlite_server.base_url
    assert httpx.get(base + "/metrics").status_code == 401
    for role in ("agent", "risk_analyst", "approver", "qa_supervisor"):
        with sqlite_server.client(role) as c:
            assert c.get("/metrics").status_code == 403, role
            assert "ledger_balanced" not in c.get("/healthz").json(), role
    health = httpx.get(base + "/healthz").json()
    assert health["status"] == "ok" and "ledger_balanced" not in health
    for role in ("operator", "admin"):
        with sqlite_server.client(role) as c:
            assert "puhui_http_requests_total" in c.get("/metrics").text
            assert c.get("/healthz").json()["ledger_balanced"] is True


@pytest.fixture
def with_ops_bind(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    url = f"sqlite:///{tmp_path / 'puhui.db'}"
    store = KeyStore(url)
    agent = store.create("agent")[0]
    store.close()
    port, ops_port = free_port(), free_port()
    env = {
        **os.environ,
        "PUHUI_DATABASE_URL": url,
        "PUHUI_DATA_DIR": str(tmp_path),
        "PUHUI_PORT": str(port),
        "PUHUI_OPS_PORT": str(ops_port),
    }
    code = "from puhui.cli import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "serve"], env=env)
    base, ops = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{ops_port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(ops + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base, ops, agent
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_ops_bind_serves_metrics_without_a_key(with_ops_bind: tuple[str, str, str]) -> None:
    base, ops, agent = with_ops_bind
    httpx.get(base + "/v1/business-date", headers={"X-API-Key": agent})
    assert httpx.get(base + "/metrics").status_code == 401  # the public bind still asks
    text = httpx.get(ops + "/metrics").text
    assert 'route="/v1/business-date"' in text, "one process, one set of metrics"
    assert httpx.get(ops + "/healthz").json()["ledger_balanced"] is True
    assert httpx.get(ops + "/v1/business-date").status_code == 404  # nothing else there
    assert httpx.get(ops + "/docs").status_code == 404
