"""Probe 3: need-to-know access to personal data, on both backends.

Agents read only the customers they serve (an open call or an assigned case) and never see
income figures, debts, bureau or fraud flags; no role but admin sees the protected attribute;
every read lands in an append-only access log that risk and QA query (API and CLI); customers
are addressed by unguessable references, and internal ids do not work in URLs."""

from __future__ import annotations

import json
from contextlib import closing
from typing import Any

import pytest
from typer.testing import CliRunner

from puhui.cli import app
from puhui.customers import create_customer_tables, save_profiles
from puhui.db import Database
from puhui.services import privacy
from tests.api.conftest import Server

PROFILE: dict[str, Any] = {
    "age": 34,
    "city_tier": "tier_2",
    "occupation": "self_employed",
    "phone": "13800138000",
    "monthly_income": 8200,
    "income_band": "8k_12k",
    "existing_debt": 15000,
    "debt_to_income": 0.31,
    "worst_dpd_12m": 12,
    "blacklisted": True,
    "identity_match": 0.97,
    "months_on_platform": 40,
    "gender": "female",
    "new_column_nobody_classified": "x",
}
AGENT_NEVER = {
    "monthly_income",
    "existing_debt",
    "debt_to_income",
    "worst_dpd_12m",
    "blacklisted",
    "identity_match",
    "gender",
    "new_column_nobody_classified",
}


def key_id(server: Server, role: str) -> str:
    return server.keys[role].split("_")[1]


@pytest.fixture(scope="module")
def seeded(server: Server) -> Server:
    with closing(Database(server.database_url)) as db:
        create_customer_tables(db)
        with db.tx():
            save_profiles(
                db,
                [
                    (f"C00000000{i}", {**PROFILE, "customer_id": f"C00000000{i}"})
                    for i in range(1, 4)
                ],
            )
    return server


def ref_of(server: Server, customer_id: str) -> str:
    with server.client("operator") as c:
        r = c.post("/v1/customers/refs", json={"customer_id": customer_id})
        assert r.status_code == 200, r.text
        return str(r.json()["customer_ref"])


def test_internal_ids_do_not_work_and_references_do_not_walk(seeded: Server) -> None:
    refs = [ref_of(seeded, f"C00000000{i}") for i in range(1, 4)]
    assert ref_of(seeded, "C000000001") == refs[0], "stable"
    assert len(set(refs)) == 3 and all(len(r) == 29 for r in refs)
    assert len({r[3:5] for r in refs}) > 1 or len({r[-2:] for r in refs}) > 1  # no sequence
    with seeded.client("admin") as c:
        for path in ("C000000001", "C000000002", "cu_" + "a" * 26, refs[0][:-1] + "b"):
            r = c.get(f"/v1/customers/{path}", params={"purpose": "walk"})
            assert r.status_code in (404, 422) and r.headers["content-type"].startswith(
                "application/problem+json"
            ), path


def test_operators_say_why_and_see_the_credit_picture(seeded: Server) -> None:
    ref = ref_of(seeded, "C000000001")
    with seeded.client("operator") as c:
        r = c.get(f"/v1/customers/{ref}")
        assert r.status_code == 422 and r.json()["field"] == "purpose"
        r = c.get(f"/v1/customers/{ref}", params={"purpose": "limit review"})
        assert r.status_code == 200, r.text
        profile = r.json()["profile"]
    assert profile["monthly_income"] == 8200 and profile["blacklisted"] is True
    assert profile["phone"] == "***"
    assert "gender" not in profile and "new_column_nobody_classified" not in profile
    with seeded.client("admin") as c:
        full = c.get(f"/v1/customers/{ref}", params={"purpose": "audit"}).json()["profile"]
    assert full["gender"] == "female" and full["phone"] == "13800138000"


def test_agents_read_only_customers_they_serve(seeded: Server) -> None:
    ref = ref_of(seeded, "C000000002")
    agent = key_id(seeded, "agent")
    with seeded.client("agent") as c:
        r = c.get(f"/v1/customers/{ref}")
        assert r.status_code == 403 and r.json()["code"] == "not_serving_customer"
        r = c.post("/v1/customers/refs", json={"customer_id": "C000000003"})
        assert r.status_code == 403, "an agent cannot turn ids into references either"
        # agents cannot assign themselves a case
        case = {"agent_key_id": agent, "reason": "complaint follow-up"}
        assert c.post(f"/v1/customers/{ref}/cases", json=case).status_code == 403
    with seeded.client("operator") as c:
        assert c.post(f"/v1/customers/{ref}/cases", json=case).status_code == 201
        assert c.post(f"/v1/customers/{ref}/cases", json=case).status_code == 409
        not_agent = {"agent_key_id": key_id(seeded, "operator"), "reason": "x" * 5}
        assert c.post(f"/v1/customers/{ref}/cases", json=not_agent).status_code == 404
    with seeded.client("agent") as c:
        r = c.get(f"/v1/customers/{ref}")
        assert r.status_code == 200, r.text
        profile = r.json()["profile"]
        assert profile["income_band"] == "8k_12k" and profile["age"] == 34
        assert profile["phone"] == "***"
        assert not AGENT_NEVER & set(profile), AGENT_NEVER & set(profile)
    with seeded.client("operator") as c:
        assert c.delete(f"/v1/customers/{ref}/cases/{agent}").status_code == 204
        assert c.delete(f"/v1/customers/{ref}/cases/{agent}").status_code == 404
    with seeded.client("agent") as c:
        assert c.get(f"/v1/customers/{ref}").status_code == 403, "the case is closed"


def test_an_open_call_lets_the_agent_read_until_it_ends(seeded: Server) -> None:
    ref = ref_of(seeded, "C000000003")
    with seeded.client("agent") as c:
        assert c.get(f"/v1/customers/{ref}").status_code == 403
        call = c.post("/v1/assist/calls", json={"customer_id": "C000000003", "purpose": "service"})
        assert call.status_code == 201, call.text
        call_id = call.json()["id"]
        r = c.get(f"/v1/customers/{ref}")
        assert r.status_code == 200 and "blacklisted" not in r.json()["profile"]
        assert c.post(f"/v1/assist/calls/{call_id}/end").status_code == 200
        assert c.get(f"/v1/customers/{ref}").status_code == 403


def test_every_read_is_logged_and_only_risk_and_qa_read_the_log(seeded: Server) -> None:
    ref = ref_of(seeded, "C000000001")
    with seeded.client("operator") as c:
        c.get(f"/v1/customers/{ref}", params={"purpose": "collections check"})
        assert c.get("/v1/access-log").status_code == 403
        agent = key_id(seeded, "agent")
        case = {"agent_key_id": agent, "reason": "log probe"}
        assert c.post(f"/v1/customers/{ref}/cases", json=case).status_code == 201
    with seeded.client("agent") as c:
        assert c.get("/v1/access-log").status_code == 403
        assert c.get(f"/v1/customers/{ref}").status_code == 200  # by the case
        started = c.post("/v1/assist/calls", json={"customer_id": "C000000001"})
        assert c.get(f"/v1/customers/{ref}").status_code == 200  # by the call
        assert c.post(f"/v1/assist/calls/{started.json()['id']}/end").status_code == 200
    with seeded.client("operator") as c:
        assert c.delete(f"/v1/customers/{ref}/cases/{agent}").status_code == 204
    with seeded.client("risk_analyst") as c:
        r = c.get("/v1/access-log", params={"customer_ref": ref})
        assert r.status_code == 200, r.text
        rows = r.json()
    assert {row["customer_id"] for row in rows} == {"C000000001"}
    mine = [row for row in rows if row["purpose"] == "collections check"]
    assert len(mine) == 1 and mine[0]["role"] == "operator"
    assert mine[0]["actor"] == key_id(seeded, "operator")
    assert "monthly_income" in mine[0]["fields"] and "gender" not in mine[0]["fields"]
    with seeded.client("qa_supervisor") as c:
        agent_rows = c.get("/v1/access-log", params={"actor": key_id(seeded, "agent")}).json()
    assert agent_rows and all(row["role"] == "agent" for row in agent_rows)
    assert all(not AGENT_NEVER & set(row["fields"]) for row in agent_rows)
    purposes = " ".join(row["purpose"] for row in agent_rows)
    assert "serving: assigned case" in purposes and "serving: call" in purposes
    assert any(row["route"] == "POST /v1/assist/calls" for row in agent_rows), "the call card"


def test_the_log_is_append_only_in_the_database(seeded: Server) -> None:
    with closing(Database(seeded.database_url)) as db:
        for sql in ("UPDATE pii_access_log SET purpose = 'x'", "DELETE FROM pii_access_log"):
            with pytest.raises(Exception, match="append-only"), db.tx():
                db.execute(sql)
        assert db.one("SELECT COUNT(*) FROM pii_access_log")[0] > 0


def test_the_cli_reads_the_log_and_assigns_cases(
    seeded: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUHUI_DATABASE_URL", seeded.database_url)
    with seeded.client("operator") as c:
        ref = ref_of(seeded, "C000000001")
        assert c.get(f"/v1/customers/{ref}", params={"purpose": "cli probe"}).status_code == 200
    runner = CliRunner()
    out = runner.invoke(app, ["access", "log", "--customer", "C000000001", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert rows and all(r["customer_id"] == "C000000001" for r in rows)
    out = runner.invoke(app, ["access", "ref", "--customer", "C000000001", "--json"])
    assert json.loads(out.output)["customer_ref"] == ref_of(seeded, "C000000001")
    out = runner.invoke(
        app,
        [
            "access",
            "assign",
            "--customer",
            "C000000001",
            "--agent",
            key_id(seeded, "agent"),
            "--reason",
            " ",
        ],
    )
    assert out.exit_code == 2 and "reason" in out.output
    agent = key_id(seeded, "agent")
    args = ["--customer", "C000000002", "--agent", agent]
    out = runner.invoke(app, ["access", "assign", *args, "--reason", "dispute", "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["status"] == "open", out.output
    ref = ref_of(seeded, "C000000002")
    with seeded.client("agent") as c:
        assert c.get(f"/v1/customers/{ref}").status_code == 200
    assert runner.invoke(app, ["access", "close", *args]).exit_code == 0
    assert runner.invoke(app, ["access", "close", *args]).exit_code != 0
    with seeded.client("agent") as c:
        assert c.get(f"/v1/customers/{ref}").status_code == 403


def test_policy_never_shows_unclassified_fields_but_to_admins() -> None:
    for role in ("agent", "operator", "risk_analyst", "approver", "qa_supervisor"):
        assert privacy.visibility(role, "some_new_field") == "absent"
        assert privacy.visibility(role, "gender") == "absent"
    assert privacy.visibility("admin", "some_new_field") == "full"
    for role in ("risk_analyst", "approver", "qa_supervisor"):
        assert privacy.visible_profile(PROFILE, role) == ({}, [])


def test_the_console_customer_page_follows_the_same_policy_and_is_logged(seeded: Server) -> None:
    from tests.web.conftest import sign_in

    with sign_in(seeded, "agent") as c:
        page = c.get("/console/customers/C000000001?lang=en")
        assert page.status_code == 200
        assert "8k_12k" in page.text  # the income band, not the income
        assert "8200" not in page.text and "15000" not in page.text and "female" not in page.text
    with seeded.client("risk_analyst") as c:
        rows = c.get("/v1/access-log", params={"actor": key_id(seeded, "agent")}).json()
    console = [r for r in rows if r["purpose"] == "console: customer page"]
    assert console and console[0]["customer_id"] == "C000000001"
    assert "monthly_income" not in console[0]["fields"] and "income_band" in console[0]["fields"]
