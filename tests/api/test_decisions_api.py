"""Decisions, audit, models and customers over HTTP against a real server and a built bank."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from puhui.db import Database
from puhui.population.generator import PROTECTED
from puhui.services.bank import BankConfig, build_bank

from .conftest import Server, start_server

PROBLEM = "application/problem+json"
SMALL = BankConfig(
    customers=400, history=6_000, seed=3, start=date(2026, 1, 5), days=3, borrowers=10
)


@pytest.fixture
def bank(database_url: str, tmp_path: Path) -> Iterator[Server]:
    build_bank(database_url, tmp_path, SMALL)
    yield from start_server(database_url, tmp_path)


def a_customer(server: Server) -> dict[str, Any]:
    import json

    db = Database(server.database_url)
    row = db.one("SELECT profile_json FROM platform_customers ORDER BY customer_id LIMIT 1")
    db.close()
    profile = json.loads(row[0])
    # the stored profile: behaviour hooks and protected attributes are not an application's
    for hook in ("drawdown_propensity", "early_repay_prob", "late_payment_prob", *PROTECTED):
        profile.pop(hook, None)
    profile["customer_id"] = "NEW-0001"
    profile["blacklisted"] = False
    profile["overdue_elsewhere"] = False
    profile["inquiries_30d"] = 0
    profile["identity_match"] = 0.99
    return profile


def test_decide_grant_audit_and_replay(bank: Server) -> None:
    customer = a_customer(bank)
    with bank.client("agent") as c:
        r = c.post("/v1/decisions", json={"application_id": "web-1", "customer": customer})
        assert r.status_code == 201, r.text
        d = r.json()
        assert d["outcome"] in {"approve", "refer", "decline"}
        assert len(d["reasons"]) <= 4
        again = c.post("/v1/decisions", json={"application_id": "web-1", "customer": customer})
        assert again.json()["decision_id"] == d["decision_id"]
        assert c.get(f"/v1/decisions/{d['decision_id']}").json()["outcome"] == d["outcome"]
    if d["outcome"] == "approve":
        assert d["line_id"] and float(d["limit"]) > 0 and d["apr"]
        with bank.client("operator") as c:
            ref = c.post("/v1/customers/refs", json={"customer_id": customer["customer_id"]})
            page = c.get(
                f"/v1/customers/{ref.json()['customer_ref']}", params={"purpose": "line check"}
            ).json()
            assert page["lines"][0]["line_id"] == d["line_id"]
    with bank.client("risk_analyst") as c:
        rows = c.get("/v1/audit/decisions", params={"customer_id": "NEW-0001"}).json()
        assert [x["decision_id"] for x in rows] == [d["decision_id"]]
        replay = c.post(f"/v1/audit/decisions/{d['decision_id']}/replay").json()
        assert replay["matches"] is True, replay["differences"]
        batch = c.get("/v1/audit/decisions", params={"limit": 3}).json()
        for x in batch:
            assert c.post(f"/v1/audit/decisions/{x['decision_id']}/replay").json()["matches"]


def test_bad_applications_name_the_field_and_log_nothing(bank: Server) -> None:
    customer = a_customer(bank)
    db = Database(bank.database_url)
    before = db.one("SELECT count(*) FROM decision_audit")[0]
    with bank.client("agent") as c:
        for change, field in (
            ({"monthly_income": "lots"}, "monthly_income"),
            ({"shoe_size": 42}, "shoe_size"),
            ({"age": "forty"}, "age"),
        ):
            r = c.post("/v1/decisions", json={"customer": {**customer, **change}})
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith(PROBLEM)
            assert r.json()["field"] == field
        broken = dict(customer)
        broken.pop("months_on_platform")
        r = c.post("/v1/decisions", json={"customer": broken})
        assert r.status_code == 422 and r.json()["field"] == "months_on_platform"
        r = c.post("/v1/decisions", json={"application": {}})
        assert r.status_code == 422 and r.json()["field"] == "customer"
    assert db.one("SELECT count(*) FROM decision_audit")[0] == before
    db.close()


def test_models_and_roles(bank: Server) -> None:
    with bank.client("risk_analyst") as c:
        models = c.get("/v1/models").json()
        assert models and models[0]["version"]
        version = models[0]["version"]
        assert "auc" in str(c.get(f"/v1/models/{version}/metrics").json())
        card = c.get(f"/v1/models/{version}/card")
        assert card.headers["content-type"].startswith("text/markdown")
        # risk analysts do not see customer profiles
        r = c.get("/v1/customers/C000000001")
        assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)
    with bank.client("operator") as c:
        ref = c.post("/v1/customers/refs", json={"customer_id": "C000000001"}).json()
        r = c.get(f"/v1/customers/{ref['customer_ref']}", params={"purpose": "review"})
        assert r.status_code == 200 and r.json()["profile"]["customer_id"] == "C000000001"
        assert c.get("/v1/customers/C000000001").status_code == 404  # internal ids: no URL
    with bank.client("agent") as c:
        assert c.get("/v1/models").status_code == 403
        r = c.get(f"/v1/customers/{ref['customer_ref']}")
        assert r.status_code == 403, "an agent serving no call or case for the customer"
