"""A real uvicorn server with console data, and helpers to sign in and read pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Server, start_server

from .seed import seed_decisions, seed_ledger, seed_model

_CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def csrf_of(html: str) -> str:
    """The CSRF token a console page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def post_login(client: httpx.Client, api_key: str, next: str = "/console") -> httpx.Response:
    """Sign in as a browser does: fetch the form (its CSRF token and cookie), then post it."""
    token = csrf_of(client.get("/console/login").text)
    return client.post("/console/login", data={"api_key": api_key, "next": next, "csrf": token})


@contextmanager
def sign_in(server: Server, role: str) -> Iterator[httpx.Client]:
    """A client holding the console session cookie of `role` (signed in through the form)."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        r = post_login(client, server.keys[role])
        assert r.status_code == 303, r.text
        yield client


_LINK = re.compile(r"""(?:src|href|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_LOOPBACK = ("http://127.0.0.1", "http://localhost", "https://127.0.0.1", "https://localhost")


def external_references(html: str) -> list[str]:
    """Every src/href/action that leaves this server, and any other absolute http(s) URL."""
    bad = [u for u in _LINK.findall(html) if u.startswith(("http:", "https:", "//"))]
    bad += [
        m.group(0)
        for m in re.finditer(r"https?://[^\s\"'<>]+", html)
        if not m.group(0).startswith(_LOOPBACK)
    ]
    return [u for u in bad if not u.startswith(_LOOPBACK)]


@pytest.fixture
def console(database_url: str, tmp_path: Path) -> Iterator[Server]:
    """A server whose database holds the ledger demo, twelve decisions and one model."""
    seed_ledger(database_url)
    seed_decisions(database_url)
    seed_model(database_url, tmp_path / "model")
    yield from start_server(database_url, tmp_path)


@pytest.fixture
def empty_console(sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    yield from start_server(sqlite_url, tmp_path)
