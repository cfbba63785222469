"""API keys: stored hashed, verified by role, and revocation reaches every process."""

from __future__ import annotations

import hashlib
from pathlib import Path

from puhui.api.keys import KeyStore, Role


def test_a_key_is_stored_hashed_and_verified(tmp_path: Path) -> None:
    store = KeyStore(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        full, key = store.create("operator", "ops desk")
        assert key.role is Role.OPERATOR
        secret = full.split("_", 2)[2]
        (stored,) = store.db.one(
            "SELECT secret_sha256 FROM api_keys WHERE key_id = ?", (key.key_id,)
        )
        assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in stored
        assert store.verify(full) == key
        assert store.verify(full[:-1] + ("x" if full[-1] != "x" else "y")) is None
        assert store.verify("phk_nope_nope") is None and store.verify("garbage") is None
    finally:
        store.close()


def test_a_key_revoked_elsewhere_stops_working_within_the_ttl(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    now = [1000.0]
    server = KeyStore(url, ttl=5.0, clock=lambda: now[0])
    cli = KeyStore(url)  # another process: `puhui keys revoke`
    try:
        full, key = server.create("admin")
        assert server.verify(full) == key  # now cached by the server
        cli.revoke(key.key_id)
        now[0] += 4.9
        assert server.verify(full) == key  # still inside the trusted window
        now[0] += 0.2
        assert server.verify(full) is None  # asked the database again: revoked
        now[0] += 60
        assert server.verify(full) is None
    finally:
        server.close()
        cli.close()


def test_revoking_in_the_same_process_takes_effect_at_once(tmp_path: Path) -> None:
    store = KeyStore(f"sqlite:///{tmp_path / 'k.db'}")
    try:
        full, key = store.create("agent")
        assert store.verify(full) == key
        store.revoke(key.key_id)
        assert store.verify(full) is None
        assert key.key_id not in {k.key_id for k in store.list()}
    finally:
        store.close()
