"""The creation platform's console pages: brief, review, download; roles; both languages."""

from __future__ import annotations

import io
import re

import httpx
from PIL import Image

from tests.api.conftest import Server

from .conftest import csrf_of, external_references, sign_in


def post(client: httpx.Client, url: str, data: dict[str, str]) -> httpx.Response:
    """Post a console form as the page does: with the session's CSRF token."""
    token = csrf_of(client.get("/console/studio").text)
    return client.post(url, data={**data, "csrf": token})


def test_brief_render_review_and_download(empty_console: Server) -> None:
    with sign_in(empty_console, "operator") as op:
        home = op.get("/console/studio?lang=en")
        assert home.status_code == 200 and "Creation studio" in home.text
        assert 'href="/console/studio"' in home.text and external_references(home.text) == []
        tokenless = op.post("/console/studio", data={"channel": "poster", "lang": "zh"})
        assert tokenless.status_code == 403  # no CSRF token: refused, nothing drafted
        made = post(op, "/console/studio", data={"channel": "poster", "lang": "zh"})
        assert made.status_code == 303
        page_url = made.headers["location"]
        draft_id = page_url.rsplit("/", 1)[1]
        page = op.get(page_url + "?lang=zh")
        assert "贷款需经审批" in page.text and "合规检查通过" in page.text
        assert post(op, f"/console/studio/{draft_id}/render", data={}).status_code == 303
        page = op.get(page_url).text
        (image,) = re.findall(r'<img src="(/console/studio/assets/[0-9a-f]+)"', page)
        png = op.get(image)
        assert png.headers["content-type"] == "image/png"
        assert png.headers["content-disposition"].startswith("inline")
        assert Image.open(io.BytesIO(png.content)).size == (1080, 1920)
        assert op.get(image + "?download=1").headers["content-disposition"].startswith("attachment")
        assert 'id="studio-review-form"' not in page  # operators make, they do not check
        forbidden = post(op, f"/console/studio/{draft_id}/review", data={"decision": "approve"})
        assert forbidden.status_code == 403
    with sign_in(empty_console, "approver") as checker:
        page = checker.get(page_url + "?lang=en").text
        assert 'id="studio-review-form"' in page and 'id="studio-brief"' not in page
        done = post(checker, f"/console/studio/{draft_id}/review", data={"decision": "approve"})
        assert done.status_code == 303
        assert "Approved" in checker.get(page_url).text
    with sign_in(empty_console, "agent") as agent:
        assert agent.get("/console/studio").status_code == 403


def test_a_planted_phrase_shows_its_alert_and_cannot_be_approved(empty_console: Server) -> None:
    with sign_in(empty_console, "operator") as op:
        made = post(
            op,
            "/console/studio",
            data={
                "channel": "social",
                "lang": "en",
                "message": "Guaranteed approval, zero interest",
            },
        )
        page_url = made.headers["location"]
        page = op.get(page_url + "?lang=en").text
        assert "MKT-GUARANTEE" in page and "cannot be approved" in page
        bad = post(op, "/console/studio", data={"channel": "billboard"})
        assert bad.status_code == 422 and "channel" in bad.text
    with sign_in(empty_console, "approver") as checker:
        draft_id = page_url.rsplit("/", 1)[1]
        refused = post(checker, f"/console/studio/{draft_id}/review", data={"decision": "approve"})
        assert refused.status_code == 409 and "MKT-GUARANTEE" in refused.text
