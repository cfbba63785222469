"""The security suite's servers: a real uvicorn server per module on each backend.

A probe runs as an attacker would: over HTTP against `puhui.api.server:app`, with each role's
key. Servers are module-scoped (one start per backend per file) and each module gets a fresh
database, so probes never see another module's state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Server, start_server
from tests.conftest import POSTGRES_URL, _with_schema

ROLES = ("agent", "risk_analyst", "operator", "approver", "qa_supervisor", "admin")


def fresh_database(backend: str, tmp: Path) -> Iterator[str]:
    """A new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'puhui.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PUHUI_TEST_POSTGRES_URL is not set")
    import psycopg

    schema = f"s_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _with_schema(POSTGRES_URL, schema)
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def serve(
    request: pytest.FixtureRequest, tmp: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    backend = getattr(request, "param", "sqlite")
    for url in fresh_database(backend, tmp):
        yield from start_server(url, tmp, env)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One server per module on each backend, with the default settings."""
    yield from serve(request, tmp_path_factory.mktemp("security"))


@pytest.fixture(scope="module")
def sqlite_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One server on SQLite, for probes that store nothing."""
    yield from serve(request, tmp_path_factory.mktemp("security"))
