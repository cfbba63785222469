"""Probe 6: a drawdown retry that differs only in amortization is a 409; rates print as plain
decimals; request bodies have strict types ("3" is not an integer)."""

from __future__ import annotations

from contextlib import closing

import pytest

from puhui.customers import create_customer_tables, save_profiles
from puhui.db import Database
from tests.api.conftest import Server

LINE = {
    "id": "line-6",
    "customer_id": "C000000006",
    "limit": "10000",
    "annual_rate": "10",
    "expires": "2027-12-31",
}


def test_drawdown_retry_with_another_amortization_is_a_conflict(server: Server) -> None:
    with server.client("operator") as c:
        assert c.post("/v1/lines", json=LINE).status_code in (200, 201)
        first = {"amount": "1000", "installments": 5, "amortization": "equal-principal"}
        r = c.post("/v1/lines/line-6/drawdowns", json=first, headers={"Idempotency-Key": "dd-am"})
        assert r.status_code == 201, r.text
        for retry in (
            {"amount": "1000", "installments": 5},  # the default: equal installments
            {"amount": "1000", "installments": 5, "amortization": "equal-installments"},
        ):
            again = c.post(
                "/v1/lines/line-6/drawdowns", json=retry, headers={"Idempotency-Key": "dd-am"}
            )
            assert again.status_code == 409, again.text
        same = c.post(
            "/v1/lines/line-6/drawdowns", json=first, headers={"Idempotency-Key": "dd-am"}
        )
        assert same.headers.get("Idempotent-Replayed") == "true", same.text
        assert same.json()["created"] is False
        # and the other way round: booked with the default, retried naming another
        r = c.post(
            "/v1/lines/line-6/drawdowns",
            json={"amount": "500", "installments": 5},
            headers={"Idempotency-Key": "dd-am2"},
        )
        assert r.status_code == 201, r.text
        r = c.post(
            "/v1/lines/line-6/drawdowns",
            json={"amount": "500", "installments": 5, "amortization": "equal-principal"},
            headers={"Idempotency-Key": "dd-am2"},
        )
        assert r.status_code == 409, r.text


def test_a_ten_percent_rate_prints_as_10(server: Server) -> None:
    with closing(Database(server.database_url)) as db:
        create_customer_tables(db)
        with db.tx():
            save_profiles(db, [("C000000006", {"age": 30, "monthly_income": 8000})])
    with server.client("operator") as c:
        assert c.post("/v1/lines", json=LINE).status_code in (200, 201)
        assert c.get("/v1/lines/line-6").json()["annual_rate"] in ("10", "10.00")
    with server.client("admin") as c:
        ref = c.post("/v1/customers/refs", json={"customer_id": "C000000006"}).json()
        r = c.get(f"/v1/customers/{ref['customer_ref']}", params={"purpose": "rate check"})
        assert r.status_code == 200, r.text
        assert "E+" not in r.text and r.json()["lines"][0]["annual_rate_pct"] == "10"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/lines/line-6/drawdowns", {"amount": "100", "installments": "5"}, "installments"),
        ("/v1/lines/line-6/drawdowns", {"amount": 100, "installments": 5}, "amount"),
        ("/v1/lines/line-6/drawdowns", {"amount": "100", "installments": 5.0}, "installments"),
        ("/v1/lines", {**LINE, "product_version": "1"}, "product_version"),
        ("/v1/lines", {**LINE, "limit": 10000}, "limit"),
        ("/v1/decisions", {"customer": {"customer_id": "C1"}, "grant": "true"}, "grant"),
    ],
)
def test_request_bodies_have_strict_types(
    sqlite_server: Server, path: str, body: dict[str, object], field: str
) -> None:
    with sqlite_server.client("admin") as c:
        r = c.post(path, json=body, headers={"Idempotency-Key": "strict"})
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field, r.json()
