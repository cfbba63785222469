"""A real uvicorn server on loopback for API tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from puhui.api.keys import KeyStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base_url: str
    database_url: str
    keys: dict[str, str]

    def client(self, role: str | None = "admin") -> httpx.Client:
        headers = {"X-API-Key": self.keys[role]} if role else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)


def start_server(
    database_url: str, tmp: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    store = KeyStore(database_url)
    keys = {
        role: store.create(role, f"test {role}")[0]
        for role in ("agent", "risk_analyst", "operator", "approver", "qa_supervisor", "admin")
    }
    store.close()
    port = free_port()
    env = {
        **os.environ,
        "PUHUI_DATABASE_URL": database_url,
        "PUHUI_DATA_DIR": str(tmp),
        **(env or {}),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "puhui.api.server:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("server did not start")
    try:
        yield Server(base, database_url, keys)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    yield from start_server(database_url, tmp_path)
