"""API foundation against a real uvicorn server: auth, roles, problem+json, health, metrics."""

from __future__ import annotations

from puhui.ledger import open_ledger
from tests.ledger.demo import run_demo

from .conftest import Server

PROBLEM = "application/problem+json"


def test_health_and_openapi(server: Server) -> None:
    with server.client("operator") as c:
        health = c.get("/healthz").json()
        assert health["status"] == "ok" and health["ledger_balanced"] is True
    with server.client(None) as c:
        assert "ledger_balanced" not in c.get("/healthz").json()  # the ledger: operators only
        spec = c.get("/openapi.json").json()
        assert "/v1/ledger/trial-balance" in spec["paths"]
        assert c.get("/docs").status_code == 200


def test_missing_and_bad_keys_are_401_problems(server: Server) -> None:
    with server.client(None) as c:
        r = c.get("/v1/ledger/trial-balance")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith(PROBLEM)
        assert r.json()["code"] == "unauthenticated"
        r = c.get("/v1/ledger/trial-balance", headers={"X-API-Key": "phk_nope_nope"})
        assert r.status_code == 401 and r.json()["code"] == "invalid_api_key"


def test_roles_are_enforced(server: Server) -> None:
    with server.client("agent") as c:
        r = c.get("/v1/ledger/trial-balance")
        assert r.status_code == 403
        assert r.headers["content-type"].startswith(PROBLEM)
    with server.client("risk_analyst") as c:
        assert c.get("/v1/ledger/trial-balance").status_code == 200
        assert c.get("/v1/ledger/accounts/1").status_code == 403


def test_ledger_endpoints_show_booked_money(server: Server) -> None:
    with open_ledger(server.database_url) as ledger:
        run_demo(ledger)
    with server.client("operator") as c:
        tb = c.get("/v1/ledger/trial-balance").json()
        assert tb["balanced"] is True
        acct = c.get("/v1/ledger/accounts/1002").json()
        assert acct["debits_posted"] == "500000" and acct["credits_posted"] == "50000"
        transfers = c.get("/v1/ledger/accounts/1002/transfers").json()
        assert [t["id"] for t in transfers] == ["90002", "90008"]
        assert c.get("/v1/ledger/transfers/90002").json()["amount"] == "500000"


def test_bad_input_names_the_field(server: Server) -> None:
    with server.client("operator") as c:
        r = c.get("/v1/ledger/accounts/abc")
        assert r.status_code == 422
        body = r.json()
        assert r.headers["content-type"].startswith(PROBLEM)
        assert body["field"] == "account_id"
        r = c.get("/v1/ledger/accounts/1002/transfers", params={"limit": 0})
        assert r.status_code == 422 and r.json()["field"] == "limit"
        r = c.get("/v1/ledger/accounts/0")
        assert r.status_code == 422 and r.json()["field"] == "account_id"
        r = c.get("/v1/ledger/accounts/4242")
        assert r.status_code == 404 and r.json()["code"] == "account_not_found"
        r = c.get("/v1/nowhere")
        assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)


def test_metrics_in_prometheus_text(server: Server) -> None:
    with server.client("operator") as c:
        c.get("/v1/ledger/trial-balance")
        text = c.get("/metrics").text
    assert "puhui_http_requests_total" in text
    assert 'route="/v1/ledger/trial-balance"' in text
