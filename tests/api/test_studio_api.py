"""/v1/studio on a real server and both backends: roles, maker–checker, downloads, problems."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from .conftest import Server


def test_operator_drafts_and_renders_approver_reviews_both_download(server: Server) -> None:
    operator, approver, agent = (server.client(r) for r in ("operator", "approver", "agent"))
    made = operator.post("/v1/studio/drafts", json={"channel": "social", "lang": "en"})
    assert made.status_code == 201, made.text
    draft = made.json()
    assert draft["compliant"] and draft["disclosure"] in draft["text"]
    assert draft["facts"]["apr_range"] in draft["disclosure"] and not draft["generated"]
    assert [a["kind"] for a in draft["assets"]] == ["copy"]
    draft_id = draft["draft_id"]
    rendered = operator.post(f"/v1/studio/drafts/{draft_id}/render", json={}).json()
    assert rendered["asset"]["kind"] == "social" and rendered["render"]["size"] == [1080, 1080]
    png = approver.get(f"/v1/studio/assets/{rendered['asset']['asset_id']}")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (1080, 1080)
    assert "attachment" in png.headers["content-disposition"]
    narrated = operator.post(f"/v1/studio/drafts/{draft_id}/narrate")
    assert narrated.status_code == 201, narrated.text
    video = narrated.json()["assets"][0]
    mp4 = operator.get(f"/v1/studio/assets/{video['asset_id']}")
    assert mp4.headers["content-type"] == "video/mp4" and len(mp4.content) == video["size_bytes"]
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        Path(f.name).write_bytes(mp4.content)
        probed = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0",
             f.name], capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
    assert sorted(probed) == ["audio", "subtitle", "video"]
    # roles: agents may not draft; operators may not review; approvers may not draft
    assert agent.post("/v1/studio/drafts", json={}).status_code == 403
    assert operator.post(f"/v1/studio/drafts/{draft_id}/review", json={"decision": "approve"})\
        .status_code == 403  # fmt: skip
    assert approver.post("/v1/studio/drafts", json={}).status_code == 403
    ok = approver.post(f"/v1/studio/drafts/{draft_id}/review", json={"decision": "approve"})
    assert ok.status_code == 200 and ok.json()["decision"] == "approve"
    listed = approver.get("/v1/studio/drafts", params={"status": "approved"}).json()
    assert [d["draft_id"] for d in listed] == [draft_id]
    again = approver.post(f"/v1/studio/drafts/{draft_id}/review", json={"decision": "reject"})
    assert again.status_code == 409


def test_alerts_block_approval_and_bad_input_is_a_problem(server: Server) -> None:
    operator, approver, admin = (server.client(r) for r in ("operator", "approver", "admin"))
    planted = operator.post(
        "/v1/studio/drafts", json={"channel": "poster", "message": "无抵押秒批，零利息"}
    ).json()
    assert {a["rule_id"] for a in planted["alerts"]} == {"MKT-GUARANTEE", "MKT-FALSE-FREE-INTEREST"}
    refused = approver.post(
        f"/v1/studio/drafts/{planted['draft_id']}/review", json={"decision": "approve"}
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["field"] == "decision"
    own = admin.post("/v1/studio/drafts", json={"channel": "sms"}).json()
    mine = admin.post(f"/v1/studio/drafts/{own['draft_id']}/review", json={"decision": "approve"})
    assert mine.status_code == 409 and mine.json()["field"] == "reviewer"
    catalog = operator.post(
        "/v1/studio/drafts", json={"channel": "sms", "product_id": "puhui-revolving-micro"}
    )
    assert catalog.status_code == 201, catalog.text  # the book registers the shipped product
    assert catalog.json()["facts"]["product_version"] >= 1
    missing = operator.post("/v1/studio/drafts", json={"product_id": "no-such-product"})
    assert missing.status_code == 404 and missing.json()["field"] == "product"
    bad = operator.post("/v1/studio/drafts", json={"channel": "billboard"})
    assert bad.status_code == 422 and bad.json()["field"] == "channel"
    assert operator.get("/v1/studio/drafts/" + "0" * 32).status_code == 404
    assert server.client(None).get("/v1/studio/drafts").status_code == 401
