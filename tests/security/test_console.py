"""Probe 2: console sessions. The cookie holds a server-side session's random token (stored
hashed), never the API key; signing out and revoking the key end the session on the server;
every console POST needs the same origin and the form's CSRF token; cookies are Secure when
the server is configured for https. On both backends."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import closing, contextmanager

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from puhui.api.keys import KeyStore
from puhui.api.security import CONSOLE_COOKIE
from puhui.db import Database
from tests.api.conftest import Server
from tests.security.conftest import serve
from tests.web.conftest import csrf_of, post_login

EVIL = "https://evil.example"


@contextmanager
def signed_in(server: Server, role: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        r = post_login(client, server.keys[role])
        assert r.status_code == 303, r.text
        yield client


def test_the_cookie_is_a_hashed_session_token_not_the_key(server: Server) -> None:
    with signed_in(server, "operator") as c:
        token = c.cookies[CONSOLE_COOKIE]
        assert token and server.keys["operator"] not in token
        assert all(server.keys["operator"] not in v for v in c.cookies.values())
        with closing(Database(server.database_url)) as db:
            rows = db.all("SELECT token_sha256, audience, subject FROM web_sessions")
        stored = {r[0] for r in rows}
        assert hashlib.sha256(token.encode()).hexdigest() in stored
        assert token not in json.dumps([list(r) for r in rows]), "only the hash is stored"
        assert c.get("/console/ledger").status_code == 200


def test_sign_out_ends_the_session_on_the_server(server: Server) -> None:
    with signed_in(server, "operator") as c:
        token = c.cookies[CONSOLE_COOKIE]
        page = c.get("/console/ledger").text
        assert c.post("/console/logout", data={"csrf": csrf_of(page)}).status_code == 303
    with httpx.Client(base_url=server.base_url, timeout=30) as thief:  # replays the old cookie
        thief.cookies.set(CONSOLE_COOKIE, token, path="/console")
        r = thief.get("/console/ledger")
        assert r.status_code == 303 and "/console/login" in r.headers["location"]


def test_revoking_the_key_ends_its_sessions(server: Server) -> None:
    store = KeyStore(server.database_url)
    key, record = store.create("operator", "to revoke")
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        assert post_login(c, key).status_code == 303
        assert c.get("/console/ledger").status_code == 200
        store.revoke(record.key_id)
        store.close()
        assert c.get("/console/ledger").status_code == 303


@pytest.mark.parametrize("origin", [EVIL, "null"])
def test_cross_site_posts_are_refused(server: Server, origin: str) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        token = csrf_of(c.get("/console/login").text)
        r = c.post(
            "/console/login",
            data={"api_key": server.keys["admin"], "csrf": token},
            headers={"Origin": origin},
        )
        assert r.status_code == 403 and CONSOLE_COOKIE not in c.cookies
    with signed_in(server, "admin") as c:
        csrf = csrf_of(c.get("/console/ledger").text)
        r = c.post("/console/logout", data={"csrf": csrf}, headers={"Origin": origin})
        assert r.status_code == 403
        r = c.post("/console/logout", data={"csrf": csrf}, headers={"Referer": EVIL + "/x"})
        assert r.status_code == 403
        assert c.get("/console/ledger").status_code == 200, "still signed in"


def test_posts_without_the_csrf_token_are_refused(server: Server) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        c.get("/console/login")
        r = c.post("/console/login", data={"api_key": server.keys["admin"]})
        assert r.status_code == 403 and CONSOLE_COOKIE not in c.cookies
        r = c.post("/console/login", data={"api_key": server.keys["admin"], "csrf": "guess"})
        assert r.status_code == 403
    with signed_in(server, "admin") as c:
        for path, form in [
            ("/console/logout", {}),
            ("/console/assist", {"customer_id": "C1"}),
            ("/console/governance/approvals", {"action": "approve", "version": "m1"}),
            ("/console/logout", {"csrf": "0" * 64}),
        ]:
            assert c.post(path, data=form).status_code == 403, path
        assert c.get("/console/ledger").status_code == 200
        same = {"Origin": server.base_url}
        r = c.post("/console/logout", data={"csrf": csrf_of(c.get("/console").text)}, headers=same)
        assert r.status_code == 303


def test_the_websocket_takes_the_session_and_not_after_sign_out(server: Server) -> None:
    url = server.base_url.replace("http://", "ws://") + "/v1/assist/calls/call_nope/live"
    with signed_in(server, "agent") as c:
        cookie = f"{CONSOLE_COOKIE}={c.cookies[CONSOLE_COOKIE]}"
        with connect(url, additional_headers={"Cookie": cookie}, open_timeout=30) as ws:
            assert json.loads(ws.recv(timeout=30))["code"] == "not_found"  # signed in
        evil = {"Cookie": cookie, "Origin": EVIL}
        with pytest.raises(InvalidStatus):
            connect(url, additional_headers=evil, open_timeout=30)
        c.post("/console/logout", data={"csrf": csrf_of(c.get("/console").text)})
    with pytest.raises(InvalidStatus) as refused:
        connect(url, additional_headers={"Cookie": cookie}, open_timeout=30)
    assert refused.value.response.status_code == 403


@pytest.fixture(scope="module")
def https_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from serve(request, tmp_path_factory.mktemp("https"), {"PUHUI_HTTPS": "true"})


def test_cookies_are_secure_when_configured_for_https(
    https_server: Server, sqlite_server: Server
) -> None:
    # behind a TLS proxy the app sees http, yet the configuration says https
    with httpx.Client(base_url=https_server.base_url, timeout=30) as c:
        page = c.get("/console/login")
        assert "secure" in page.headers["set-cookie"].lower()
        token = csrf_of(page.text)
        c.cookies.set("puhui_login_csrf", token, path="/console/login")  # not sent over http
        r = c.post("/console/login", data={"api_key": https_server.keys["admin"], "csrf": token})
        assert r.status_code == 303, r.text
        session = [h for h in r.headers.get_list("set-cookie") if h.startswith(CONSOLE_COOKIE)]
        assert session and "secure" in session[0].lower() and "httponly" in session[0].lower()
        assert "samesite=strict" in session[0].lower()
    with httpx.Client(base_url=sqlite_server.base_url, timeout=30) as c:
        r = post_login(c, sqlite_server.keys["admin"])
        session = [h for h in r.headers.get_list("set-cookie") if h.startswith(CONSOLE_COOKIE)]
        assert session and "secure" not in session[0].lower()  # plain http, not configured
