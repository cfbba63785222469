"""/v1/reports on a real server, on both databases: risk analysts and admins only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from puhui.population.business import generate_business
from tests.api.conftest import Server, start_server
from tests.web.conftest import post_login


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    yield from start_server(database_url, tmp_path)


def test_due_diligence_over_http(server: Server) -> None:
    case = generate_business(12, months=12, signs=("cash_withdrawals",))
    body = {"applicant": case.applicant, "statement_csv": case.statement_csv(), "lang": "en"}
    with server.client("agent") as agent:
        denied = agent.post("/v1/reports/due-diligence", json=body)
        assert denied.status_code == 403
    with server.client("risk_analyst") as analyst:
        made = analyst.post("/v1/reports/due-diligence", json=body)
        assert made.status_code == 200, made.text
        assert made.headers["content-type"].startswith("text/html")
        entry = made.headers["x-report-entry"]
        assert "Irregular large cash withdrawals" in made.text

        facts = analyst.post("/v1/reports/due-diligence", json={**body, "format": "json"})
        assert "cash_withdrawals" in [f["code"] for f in facts.json()["flags"]]

        bad = analyst.post(
            "/v1/reports/due-diligence",
            json={**body, "applicant": {**case.applicant, "uscc": "91350100M000100Y44"}},
        )
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert "uscc" in bad.text

        listed = analyst.get("/v1/reports").json()
        assert entry in [r["entry_id"] for r in listed] and len(listed) == 2
        again = analyst.get(f"/v1/reports/{entry}/html")
        assert again.status_code == 200 and again.headers["x-report-identical"] == "true"
        assert again.content == made.content
        assert analyst.get(f"/v1/reports/{'0' * 32}/html").status_code == 404
    with server.client("admin") as admin:
        assert admin.get("/v1/reports").status_code == 200
    # the console lists it for risk analysts and rebuilds it identically; agents may not see it
    with httpx.Client(base_url=server.base_url) as console:
        assert post_login(console, server.keys["risk_analyst"]).status_code == 303
        page = console.get("/console/reports?lang=en")
        assert page.status_code == 200 and "Small-business due-diligence reports" in page.text
        assert f"/console/reports/{entry}" in page.text and case.applicant["uscc"] in page.text
        shown = console.get(f"/console/reports/{entry}")
        assert shown.status_code == 200 and shown.content == made.content
        assert shown.headers["x-report-identical"] == "true"
        assert "script-src 'unsafe-inline'" in shown.headers["content-security-policy"]
        assert console.get(f"/console/reports/{'0' * 32}").status_code == 404
    with httpx.Client(base_url=server.base_url) as console:
        assert post_login(console, server.keys["agent"]).status_code == 303
        assert console.get("/console/reports").status_code == 403
