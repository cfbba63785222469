"""Server-side sessions: stored hashed, bound to one audience, ended by expiry, sign-out and
key revocation, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.api.keys import KeyStore
from puhui.api.sessions import SessionStore, check_csrf, csrf_token
from puhui.errors import ValidationError


def test_a_session_is_stored_hashed_and_found_only_on_its_audience(database_url: str) -> None:
    store = SessionStore(database_url)
    try:
        token, session = store.open("borrower", "C-42")
        (stored,) = store.db.one(
            "SELECT token_sha256 FROM web_sessions WHERE session_id = ?", (session.session_id,)
        )
        assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
        assert store.find("borrower", token) == session
        assert store.find("staff", token) is None
        assert store.find("borrower", token + "x") is None
        assert store.find("borrower", None) is None
    finally:
        store.close()


def test_expiry_and_sign_out_end_a_session(database_url: str) -> None:
    now = [1_000.0]
    store = SessionStore(database_url, ttl_seconds={"staff": 60}, clock=lambda: now[0])
    try:
        token, _ = store.open("staff", "key1")
        now[0] += 59.9
        assert store.find("staff", token) is not None
        now[0] += 0.2
        assert store.find("staff", token) is None  # expired
        token2, _ = store.open("staff", "key1")
        assert store.revoke(token2) is True
        assert store.revoke(token2) is False  # already ended
        assert store.find("staff", token2) is None
    finally:
        store.close()


def test_revoking_a_key_ends_its_console_sessions(database_url: str) -> None:
    keys = KeyStore(database_url)
    sessions = SessionStore(database_url)
    try:
        _, key = keys.create("agent")
        _, other = keys.create("agent")
        token, _ = sessions.open("staff", key.key_id)
        token_other, _ = sessions.open("staff", other.key_id)
        keys.revoke(key.key_id)
        assert sessions.find("staff", token) is None
        assert sessions.find("staff", token_other) is not None
    finally:
        keys.close()
        sessions.close()


def test_bad_input_names_the_field(tmp_path: Path) -> None:
    store = SessionStore(f"sqlite:///{tmp_path / 's.db'}")
    try:
        with pytest.raises(ValidationError) as error:
            store.open("robots", "x")
        assert error.value.field == "audience"
        with pytest.raises(ValidationError) as error:
            store.open("staff", "")
        assert error.value.field == "subject"
        assert store.db.one("SELECT COUNT(*) FROM web_sessions")[0] == 0
    finally:
        store.close()


@settings(max_examples=50, deadline=None)
@given(a=st.text(min_size=1, max_size=60), b=st.text(min_size=1, max_size=60))
def test_a_csrf_token_belongs_to_exactly_one_session(a: str, b: str) -> None:
    assert check_csrf(a, csrf_token(a))
    assert check_csrf(a, csrf_token(b)) == (a == b)
    assert not check_csrf(a, "") and not check_csrf(None, csrf_token(a))
