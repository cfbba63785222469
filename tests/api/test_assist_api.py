"""Agent assist over the real server: the live WebSocket, REST records, roles, compliance."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from puhui.servicing.service import LendingService
from tests.servicing.support import setup_book

from .conftest import Server, start_server


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("assist")
    url = f"sqlite:///{tmp / 'puhui.db'}"
    lending = LendingService(url)
    setup_book(lending)  # C0 holds line L0 of 100,000 at 18%
    lending.close()
    yield from start_server(url, tmp)


def _ws(server: Server, call_id: str, role: str = "agent"):  # type: ignore[no-untyped-def]
    url = server.base_url.replace("http://", "ws://") + f"/v1/assist/calls/{call_id}/live"
    return connect(url, additional_headers={"X-API-Key": server.keys[role]}, open_timeout=30)


def test_a_live_call_over_the_websocket(live: Server) -> None:
    with live.client("agent") as c:
        started = c.post("/v1/assist/calls", json={"customer_id": "C0", "purpose": "marketing"})
    assert started.status_code == 201, started.text
    call = started.json()
    assert call["card"]["line"]["limit"] == "100000.00"
    assert call["card"]["apr_quote"]["apr"].endswith("%")
    with _ws(live, call["id"]) as ws:
        ws.send(
            json.dumps({"type": "turn", "speaker": "agent", "text": "您好，我是普惠银行的客服。"})
        )
        assert json.loads(ws.recv(timeout=60))["alerts"] == []  # the first turn loads models
        timings = []
        for speaker, text in [
            ("agent", "我们保证您百分之百能通过审批。"),
            ("customer", "利息也太高了吧"),
            ("agent", "Our rates are the lowest in the market."),
        ]:
            sent = time.perf_counter()
            ws.send(json.dumps({"type": "turn", "speaker": speaker, "text": text}))
            message = json.loads(ws.recv(timeout=30))
            timings.append(time.perf_counter() - sent)
            assert message["type"] == "turn" and message["segment"]["text"] == text
            if speaker == "customer":
                assert message["suggestions"][0]["script_id"] == "M-OBJ-RATE"
                assert message["suggestions"][0]["why"]
            else:
                (alert,) = message["alerts"]
                assert text[alert["span"][0] : alert["span"][1]] == alert["text"]
                assert alert["source"] and alert["rule_id"].startswith("MKT-")
        ws.send(json.dumps({"type": "bogus"}))
        assert json.loads(ws.recv(timeout=30))["field"] == "type"
        ws.send(json.dumps({"type": "end"}))
        ended = json.loads(ws.recv(timeout=60))
    assert ended["type"] == "ended" and ended["record"]["alerts"] == 2
    assert ended["record"]["scorecard"]["score"] == 70
    print("round trips (s):", [round(t, 3) for t in timings])

    with live.client("agent") as mine:
        record = mine.get(f"/v1/assist/calls/{call['id']}").json()
        assert [s["speaker"] for s in record["transcript"]] == [
            "agent",
            "agent",
            "customer",
            "agent",
        ]
        assert call["id"] in [c["id"] for c in mine.get("/v1/assist/calls").json()["calls"]]
    with live.client("qa_supervisor") as qa:
        assert qa.get(f"/v1/assist/calls/{call['id']}").status_code == 200
        rates = {r["rule_id"] for r in qa.get("/v1/assist/stats").json()["rules"]}
        assert {"MKT-GUARANTEE", "MKT-MISLEADING-COMPARISON"} <= rates
        assert qa.post("/v1/assist/calls", json={"customer_id": "C0"}).status_code == 403


def test_agents_see_only_their_own_calls(live: Server, tmp_path: Path) -> None:
    from puhui.api.keys import KeyStore

    store = KeyStore(live.database_url)
    other, _ = store.create("agent", "another agent")
    store.close()
    with live.client("agent") as c:
        call_id = c.post("/v1/assist/calls", json={"customer_id": "C0"}).json()["id"]
    import httpx

    with httpx.Client(base_url=live.base_url, headers={"X-API-Key": other}, timeout=30) as c2:
        assert c2.get(f"/v1/assist/calls/{call_id}").status_code == 404
        turn = {"speaker": "agent", "text": "hello"}
        assert c2.post(f"/v1/assist/calls/{call_id}/turns", json=turn).status_code == 404
        assert call_id not in [x["id"] for x in c2.get("/v1/assist/calls").json()["calls"]]
    with live.client("risk_analyst") as analyst:
        response = analyst.get(f"/v1/assist/calls/{call_id}")
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
    with live.client("agent") as c:
        ok = c.post(f"/v1/assist/calls/{call_id}/turns", json={"speaker": "agent", "text": "hi"})
        assert ok.status_code == 200 and ok.json()["segment"]["seq"] == 1
        assert c.post(f"/v1/assist/calls/{call_id}/end").status_code == 200
        again = c.post(f"/v1/assist/calls/{call_id}/turns", json={"speaker": "agent", "text": "x"})
        assert again.status_code == 409 and again.json()["code"] == "call_closed"


def test_the_websocket_names_its_role(live: Server) -> None:
    with live.client("agent") as c:
        call_id = c.post("/v1/assist/calls", json={"customer_id": "C0"}).json()["id"]
    url = live.base_url.replace("http://", "ws://") + f"/v1/assist/calls/{call_id}/live"
    with pytest.raises(InvalidStatus) as refused:  # no key: refused at the handshake
        connect(url, open_timeout=30)
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as refused:  # QA supervisors read calls, never run one
        _ws(live, call_id, "qa_supervisor")
    assert refused.value.response.status_code == 403
    with _ws(live, "call_nope") as ws:  # an agent, but no such call
        assert json.loads(ws.recv(timeout=30))["code"] == "not_found"
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=30)


def test_compliance_check_for_any_channel(live: Server) -> None:
    with live.client("operator") as c:
        body = {"text": "全网最低利率！", "channel": "poster", "context": {"purpose": "marketing"}}
        found = c.post("/v1/compliance/check", json=body).json()
        assert [a["rule_id"] for a in found["alerts"]] == ["MKT-MISLEADING-COMPARISON"]
        bad = c.post("/v1/compliance/check", json={"text": "x", "context": {"mood": 1}})
        assert bad.status_code == 422 and bad.json()["field"] == "context.mood"
        rules = c.get("/v1/compliance/rules").json()
        assert len(rules["rules"]) >= 8 and all(r["sources"] for r in rules["rules"])
