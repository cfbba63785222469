"""The lending API against a real uvicorn server, on both backends.

Money flow line → drawdown → repayment → COB → payoff with the ledger balanced and the
sub-ledger reconciled after each step; concurrent drawdowns never exceed the limit; an
Idempotency-Key never books twice; bad input names the field and changes nothing; roles.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puhui.db import Database
from puhui.servicing.cob import STEPS

from .conftest import Server

PROBLEM = "application/problem+json"
LINE = {
    "id": "line-1",
    "customer_id": "cust-1",
    "limit": "10000",
    "annual_rate": "18",
    "expires": "2027-12-31",
}


def books_balanced(c: httpx.Client) -> None:
    tb = c.get("/v1/ledger/trial-balance")
    assert tb.status_code == 200 and tb.json()["balanced"] is True
    recon = c.get("/v1/reconciliation")
    assert recon.status_code == 200, recon.text
    assert recon.json()["ok"] is True, recon.json()


def state(server: Server, c: httpx.Client) -> tuple[Any, ...]:
    """Everything a bad request must leave untouched: loans, payments, ledger, date."""
    with closing(Database(server.database_url)) as db:
        counts = tuple(
            db.one(f"SELECT COUNT(*) FROM {table}")[0]
            for table in ("lending_loans", "lending_transactions", "lending_lines")
        )
        lines = db.all("SELECT id, limit_minor, status FROM lending_lines ORDER BY id")
    tb = c.get("/v1/ledger/trial-balance").json()
    return counts, [tuple(r) for r in lines], tb, c.get("/v1/business-date").json()


def problem(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = r.json()
    if field is not None:
        assert body.get("field") == field, body
    return body


def draw(
    c: httpx.Client, key: str, amount: str = "1000", installments: int = 5, line: str = "line-1"
) -> httpx.Response:
    return c.post(
        f"/v1/lines/{line}/drawdowns",
        json={"amount": amount, "installments": installments},
        headers={"Idempotency-Key": key},
    )


def test_money_flow_line_drawdown_repayment_cob_payoff(server: Server) -> None:
    with server.client("operator") as c:
        assert c.get("/v1/business-date").json() == {"business_date": "2026-01-01"}
        books_balanced(c)
        r = c.post("/v1/lines", json=LINE)
        assert r.status_code == 201, r.text
        assert r.json()["available"] == "10000.00" and r.json()["status"] == "active"
        assert c.post("/v1/lines", json=LINE).status_code == 200  # idempotent by id
        books_balanced(c)

        r = draw(c, "dd-1", "1000", 5)
        assert r.status_code == 201, r.text
        out = r.json()
        assert out["created"] is True and out["loan"]["principal"] == "1000.00"
        loan_id = out["loan_id"]
        schedule = out["schedule"]
        assert len(schedule) == 5
        assert sum(Decimal(i["principal"]) for i in schedule) == Decimal("1000")
        assert schedule[0]["due_date"] == "2026-02-01"
        # 18% a year, daily interest, equal installments: the PBOC IRR is about 18% nominal.
        assert Decimal("17.5") < Decimal(out["apr"]["nominal_pct"]) < Decimal("18.5")
        assert Decimal(out["apr"]["effective_pct"]) > Decimal(out["apr"]["nominal_pct"])
        assert c.get("/v1/lines/line-1").json()["available"] == "9000.00"
        books_balanced(c)

        for _ in range(10):
            cob = c.post("/v1/cob")
            assert cob.status_code == 200, cob.text
        assert cob.json()["business_date"] == "2026-01-11"
        assert cob.json()["steps"]["accrue"] == 1
        # Closing a closed date again changes nothing.
        again = c.post("/v1/cob", json={"date": "2026-01-10"}).json()
        assert again["skipped"] == list(STEPS)
        assert c.get("/v1/business-date").json()["business_date"] == "2026-01-11"
        loan = c.get(f"/v1/loans/{loan_id}").json()
        # 10 days of 1000 × 18% / 360 = 0.50 a day.
        assert loan["interest_accrued"] == "5.00"
        books_balanced(c)

        r = c.post(
            f"/v1/loans/{loan_id}/repayments",
            json={"amount": "300"},
            headers={"Idempotency-Key": "pay-1"},
        )
        assert r.status_code == 201, r.text
        paid = r.json()
        assert paid["paid"]["interest"] == "5.00" and paid["paid"]["principal"] == "295.00"
        assert paid["loan"]["principal_outstanding"] == "705.00"
        books_balanced(c)
        txns = c.get(f"/v1/loans/{loan_id}/transactions").json()
        assert [t["kind"] for t in txns] == ["disbursement", "repayment"]

        quote = c.get(f"/v1/loans/{loan_id}/payoff-quote").json()
        assert quote["principal"] == "705.00" and quote["total"] == "705.00"
        later = c.get(f"/v1/loans/{loan_id}/payoff-quote", params={"on": "2026-01-21"}).json()
        assert Decimal(later["interest"]) == Decimal("3.52")  # 10 × 705 × 18% / 360 = 3.525↓
        assert c.post("/v1/cob").status_code == 200
        quote = c.get(f"/v1/loans/{loan_id}/payoff-quote").json()
        r = c.post(
            f"/v1/loans/{loan_id}/repayments",
            json={"amount": quote["total"]},
            headers={"Idempotency-Key": "pay-2"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["loan"]["status"] == "closed"
        assert c.get("/v1/lines/line-1").json()["available"] == "10000.00"
        books_balanced(c)

        r = c.post("/v1/repayments/pay-2/reversal")
        assert r.status_code == 200, r.text
        assert r.json()["kind"] == "reversal"
        assert c.post("/v1/repayments/pay-2/reversal").json()["kind"] == "reversal"
        assert c.get(f"/v1/loans/{loan_id}").json()["status"] == "active"
        kinds = [t["kind"] for t in c.get(f"/v1/loans/{loan_id}/transactions").json()]
        assert kinds == ["disbursement", "repayment", "repayment", "reversal"]
        assert c.post("/v1/cob").status_code == 200
        books_balanced(c)


def test_concurrent_drawdowns_never_exceed_the_limit(server: Server) -> None:
    with server.client("operator") as c:
        assert c.post("/v1/lines", json={**LINE, "limit": "20000"}).status_code == 201

    def one(k: int) -> httpx.Response:
        with server.client("operator") as c:
            return draw(c, f"conc-{k}", "1000", 5)

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(one, range(50)))
    booked = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert len(booked) == 20 and len(refused) == 30
    for r in refused:
        body = problem(r, 422, "amount")
        assert "exceeds the available" in body["detail"]
    with server.client("operator") as c:
        line = c.get("/v1/lines/line-1").json()
        assert line["outstanding"] == "20000.00" and line["available"] == "0.00"
        books_balanced(c)
    with closing(Database(server.database_url)) as db:
        assert db.one("SELECT COUNT(*), SUM(principal) FROM lending_loans") == (20, 2_000_000)


def test_idempotency_key_never_books_twice(server: Server) -> None:
    with server.client("operator") as c:
        c.post("/v1/lines", json=LINE)
        first = draw(c, "same-key", "1000", 5)
        assert first.status_code == 201
        before = state(server, c)
        retry = draw(c, "same-key", "1000", 5)
        assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json()["loan_id"] == first.json()["loan_id"]
        assert retry.json()["created"] is False
        assert retry.json()["schedule"] == first.json()["schedule"]
        problem(draw(c, "same-key", "2000", 5), 409, "Idempotency-Key")
        problem(draw(c, "same-key", "1000", 10), 409, "Idempotency-Key")
        assert state(server, c) == before
        problem(draw(c, "", "1000", 5), 428, "Idempotency-Key")
        r = c.post("/v1/lines/line-1/drawdowns", json={"amount": "1000", "installments": 5})
        assert problem(r, 428, "Idempotency-Key")["code"] == "idempotency_key_required"
        assert state(server, c) == before

        loan_id = first.json()["loan_id"]
        pay = {"json": {"amount": "100"}, "headers": {"Idempotency-Key": "pay-x"}}
        assert c.post(f"/v1/loans/{loan_id}/repayments", **pay).status_code == 201  # type: ignore[arg-type]
        before = state(server, c)
        again = c.post(f"/v1/loans/{loan_id}/repayments", **pay)  # type: ignore[arg-type]
        assert again.status_code == 201 and again.json()["created"] is False
        r = c.post(
            f"/v1/loans/{loan_id}/repayments",
            json={"amount": "101"},
            headers={"Idempotency-Key": "pay-x"},
        )
        problem(r, 409, "Idempotency-Key")
        r = c.post(f"/v1/loans/{loan_id}/repayments", json={"amount": "100"})
        problem(r, 428, "Idempotency-Key")
        assert state(server, c) == before
        books_balanced(c)


BAD_REQUESTS: list[tuple[str, str, dict[str, Any], int, str]] = [
    # (method, path, httpx kwargs, status, field)
    ("POST", "/v1/lines", {"json": {**LINE, "limit": "-5"}}, 422, "limit"),
    ("POST", "/v1/lines", {"json": {**LINE, "limit": "0"}}, 422, "limit"),
    ("POST", "/v1/lines", {"json": {**LINE, "limit": "1.001"}}, 422, "limit"),
    ("POST", "/v1/lines", {"json": {**LINE, "limit": 100}}, 422, "limit"),
    ("POST", "/v1/lines", {"json": {**LINE, "annual_rate": "abc"}}, 422, "annual_rate"),
    ("POST", "/v1/lines", {"json": {**LINE, "expires": "tomorrow"}}, 422, "expires"),
    ("POST", "/v1/lines", {"json": {**LINE, "id": "bad id"}}, 422, "id"),
    ("POST", "/v1/lines", {"json": {**LINE, "limit": "999"}}, 409, "line_id"),
    ("POST", "/v1/lines", {"json": {**LINE, "id": "x", "product_id": "nope"}}, 404, "product"),
    ("POST", "/v1/lines", {"json": {**LINE, "colour": "red"}}, 422, "colour"),
    ("GET", "/v1/lines/nope", {}, 404, "line_id"),
    ("GET", "/v1/lines/bad%20id", {}, 422, "line_id"),
    ("PATCH", "/v1/lines/line-1/limit", {"json": {"limit": "x"}}, 422, "limit"),
    ("PATCH", "/v1/lines/nope/limit", {"json": {"limit": "5"}}, 404, "line_id"),
    ("POST", "/v1/lines/nope/freeze", {}, 404, "line_id"),
    ("POST", "/v1/lines/nope/close", {}, 404, "line_id"),
    (
        "POST",
        "/v1/lines/line-1/drawdowns",
        {"json": {"amount": "1e3", "installments": 5}},
        422,
        "amount",
    ),
    (
        "POST",
        "/v1/lines/line-1/drawdowns",
        {"json": {"amount": "0", "installments": 5}},
        422,
        "amount",
    ),
    (
        "POST",
        "/v1/lines/line-1/drawdowns",
        {"json": {"amount": "100000", "installments": 5}},
        422,
        "amount",
    ),
    (
        "POST",
        "/v1/lines/line-1/drawdowns",
        {"json": {"amount": "1000", "installments": 7}},
        422,
        "installments",
    ),
    ("POST", "/v1/lines/line-1/drawdowns", {"json": {"amount": "1000"}}, 422, "installments"),
    (
        "POST",
        "/v1/lines/line-1/drawdowns",
        {"json": {"amount": "1000", "installments": 5, "currency": "USD"}},
        422,
        "currency",
    ),
    (
        "POST",
        "/v1/lines/nope/drawdowns",
        {"json": {"amount": "1000", "installments": 5}},
        404,
        "line_id",
    ),
    (
        "POST",
        "/v1/lines/line-1/drawdowns",
        {"json": {"amount": "1000", "installments": 5}, "headers": {"Idempotency-Key": "x" * 65}},
        422,
        "Idempotency-Key",
    ),
    ("GET", "/v1/loans/abc", {}, 422, "loan_id"),
    ("GET", "/v1/loans/999999", {}, 404, "loan_id"),
    ("GET", "/v1/loans/999999/schedule", {}, 404, "loan_id"),
    ("GET", "/v1/loans/999999/transactions", {}, 404, "loan_id"),
    ("GET", "/v1/loans/{loan}/payoff-quote", {"params": {"on": "2025-01-01"}}, 422, "on"),
    ("GET", "/v1/loans/{loan}/payoff-quote", {"params": {"on": "9999-12-31"}}, 422, "on"),
    ("GET", "/v1/loans/{loan}/payoff-quote", {"params": {"on": "soon"}}, 422, "on"),
    ("POST", "/v1/loans/{loan}/repayments", {"json": {"amount": "-1"}}, 422, "amount"),
    ("POST", "/v1/loans/{loan}/repayments", {"json": {"amount": "1.234"}}, 422, "amount"),
    (
        "POST",
        "/v1/loans/{loan}/repayments",
        {"json": {"amount": "1", "on": "2026-03-01"}},
        422,
        "on",
    ),
    ("POST", "/v1/loans/999999/repayments", {"json": {"amount": "1"}}, 404, "loan_id"),
    ("POST", "/v1/repayments/nope/reversal", {}, 404, "client_id"),
    ("POST", "/v1/repayments/bad%20id/reversal", {}, 422, "client_id"),
    ("POST", "/v1/cob", {"json": {"date": "2026-05-01"}}, 422, "date"),
    ("POST", "/v1/cob", {"json": {"date": "yesterday"}}, 422, "date"),
]


def test_bad_input_names_the_field_and_changes_nothing(server: Server) -> None:
    with server.client("operator") as c:
        assert c.post("/v1/lines", json=LINE).status_code == 201
        loan = draw(c, "ok-1", "1000", 5).json()["loan_id"]
        assert c.post("/v1/lines", json={**LINE, "id": "line-2"}).status_code == 201
        assert c.post("/v1/lines/line-2/close").json()["status"] == "closed"
        before = state(server, c)
        for k, (method, path, kwargs, status, field) in enumerate(BAD_REQUESTS):
            kw = dict(kwargs)
            headers = {"Idempotency-Key": f"bad-{k}", **kw.pop("headers", {})}
            r = c.request(method, path.format(loan=loan), headers=headers, **kw)
            problem(r, status, field)
        problem(draw(c, "bad-closed", "1000", 5, line="line-2"), 409, "line_id")
        problem(c.post("/v1/lines/line-2/unfreeze"), 409, "status")
        problem(c.patch("/v1/lines/line-2/limit", json={"limit": "5"}), 409, "line_id")
        assert state(server, c) == before
        books_balanced(c)


def test_roles_are_enforced(server: Server) -> None:
    with server.client("operator") as c:
        c.post("/v1/lines", json=LINE)
        loan = draw(c, "roles-1", "1000", 5).json()["loan_id"]
        before = state(server, c)
    with server.client("agent") as agent:
        assert agent.get("/v1/lines/line-1").status_code == 200
        assert agent.get(f"/v1/loans/{loan}").status_code == 200
        assert agent.get(f"/v1/loans/{loan}/payoff-quote").status_code == 200
        assert agent.get("/v1/business-date").status_code == 200
        problem(agent.post("/v1/lines", json={**LINE, "id": "agent-line"}), 403)
        problem(draw(agent, "agent-dd"), 403)
        problem(agent.patch("/v1/lines/line-1/limit", json={"limit": "1"}), 403)
        problem(agent.post("/v1/lines/line-1/freeze"), 403)
        problem(
            agent.post(
                f"/v1/loans/{loan}/repayments",
                json={"amount": "1"},
                headers={"Idempotency-Key": "agent-pay"},
            ),
            403,
        )
        problem(agent.post("/v1/cob"), 403)
        problem(agent.get("/v1/reconciliation"), 403)
    with server.client("risk_analyst") as analyst:
        assert analyst.get("/v1/reconciliation").status_code == 200
        problem(analyst.get("/v1/lines/line-1"), 403)
        problem(draw(analyst, "analyst-dd"), 403)
    with server.client(None) as anonymous:
        problem(anonymous.get("/v1/lines/line-1"), 401)
        problem(draw(anonymous, "anon-dd"), 401)
    with server.client("operator") as c:
        assert state(server, c) == before


def test_line_lifecycle(server: Server) -> None:
    with server.client("operator") as c:
        c.post("/v1/lines", json=LINE)
        assert c.patch("/v1/lines/line-1/limit", json={"limit": "500"}).json()["limit"] == "500.00"
        problem(draw(c, "too-much", "1000", 5), 422, "amount")
        c.patch("/v1/lines/line-1/limit", json={"limit": "5000"})
        assert c.post("/v1/lines/line-1/freeze").json()["status"] == "frozen"
        assert problem(draw(c, "frozen-dd"), 409, "line_id")["code"]
        assert c.post("/v1/lines/line-1/unfreeze").json()["status"] == "active"
        assert draw(c, "thawed-dd").status_code == 201
        assert c.post("/v1/lines/line-1/close").json()["status"] == "closed"
        books_balanced(c)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    limit=st.integers(1, 12).map(lambda k: k * 1000),
    requests=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 8)), min_size=1, max_size=10),
    uid=st.uuids(),
)
def test_drawdowns_match_a_model_of_the_line(
    server: Server, limit: int, requests: list[tuple[int, int]], uid: Any
) -> None:
    """Any sequence of drawdowns (keys repeated, amounts of 500 × n): each answer is what a
    model of the line predicts, and the line never lends beyond its limit."""
    line_id = f"p-{uid.hex[:12]}"
    booked: dict[str, int] = {}
    with server.client("operator") as c:
        r = c.post("/v1/lines", json={**LINE, "id": line_id, "limit": str(limit)})
        assert r.status_code == 201
        for k, n in requests:
            key, amount = f"{line_id}-{k}", 500 * n
            r = draw(c, key, str(amount), 5, line=line_id)
            if key in booked:
                if booked[key] == amount:
                    assert r.status_code == 201 and r.json()["created"] is False
                else:
                    problem(r, 409, "Idempotency-Key")
            elif amount <= limit - sum(booked.values()):
                assert r.status_code == 201 and r.json()["created"] is True, r.text
                booked[key] = amount
            else:
                problem(r, 422, "amount")
        line = c.get(f"/v1/lines/{line_id}").json()
        assert Decimal(line["outstanding"]) == sum(booked.values()) <= limit
        books_balanced(c)
    with closing(Database(server.database_url)) as db:
        (count,) = db.one("SELECT COUNT(*) FROM lending_loans WHERE line_id = ?", (line_id,))
        assert count == len(booked)
