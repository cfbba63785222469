"""The OpenAI-compatible client against real servers on loopback: llama.cpp, a hanging one."""

from __future__ import annotations

import time

import pytest

from puhui.ai.client import (
    Endpoint,
    LlmClient,
    LlmRequestError,
    LlmUnavailableError,
    client_from_settings,
    endpoints_from_settings,
)
from puhui.ai.local import LOCAL_MODEL_ALIAS, LocalServer
from puhui.settings import Settings

from .conftest import EchoServer, HangingServer

HELLO = [{"role": "user", "content": "Say hello."}]


def local(server: LocalServer) -> Endpoint:
    return Endpoint(server.base_url, LOCAL_MODEL_ALIAS, name="local")


def test_chat_on_llama_cpp_counts_tokens_and_time(llama_server: LocalServer) -> None:
    client = LlmClient([local(llama_server)], timeout_s=60)
    done = client.chat(HELLO, max_tokens=16, temperature=0)
    assert done.text.strip()
    assert done.model == LOCAL_MODEL_ALIAS
    assert done.endpoint == llama_server.base_url
    assert done.usage.prompt_tokens > 0
    assert 0 < done.usage.completion_tokens <= 16
    assert done.usage.total_tokens == done.usage.prompt_tokens + done.usage.completion_tokens
    assert done.latency_ms > 0 and done.attempts == 1


def test_completion_on_llama_cpp(llama_server: LocalServer) -> None:
    done = LlmClient([local(llama_server)]).complete("The capital of France is", max_tokens=8)
    assert done.usage.completion_tokens > 0
    assert isinstance(done.text, str)


def test_streaming_yields_deltas_that_add_up(llama_server: LocalServer) -> None:
    client = LlmClient([local(llama_server)])
    stream = client.stream_chat(HELLO, max_tokens=24, temperature=0)
    deltas = list(stream)
    assert len(deltas) >= 2
    assert stream.result is not None
    assert stream.result.text == "".join(deltas)
    assert stream.result.usage.completion_tokens > 0


def test_hanging_server_times_out_and_retries(hanging_server: HangingServer) -> None:
    waits: list[float] = []
    client = LlmClient(
        [Endpoint(hanging_server.base_url, "m")], timeout_s=0.5, max_retries=2, sleep=waits.append
    )
    started = time.perf_counter()
    with pytest.raises(LlmUnavailableError, match="timed out"):
        client.chat(HELLO)
    assert time.perf_counter() - started < 10  # bounded by the time-outs, not by the server
    assert hanging_server.accepted == 3  # the first try and two retries
    assert waits == [0.5, 1.0]  # exponential backoff


def test_fallback_from_hanging_to_llama_cpp(
    hanging_server: HangingServer, llama_server: LocalServer
) -> None:
    client = LlmClient(
        [
            Endpoint(hanging_server.base_url, "m", name="primary", timeout_s=0.5),
            local(llama_server),
        ],
        timeout_s=60,
        max_retries=1,
        sleep=lambda _: None,
    )
    done = client.chat(HELLO, max_tokens=8)
    assert done.endpoint == llama_server.base_url
    assert done.attempts == 3
    stream = client.stream_chat(HELLO, max_tokens=8)
    text = "".join(stream)
    assert stream.result is not None and stream.result.text == text
    assert stream.result.endpoint == llama_server.base_url
    assert any("primary" in e for e in stream.result.errors)


def test_fallback_past_a_503_and_a_closed_port(
    failing_server: EchoServer, echo_server: EchoServer
) -> None:
    closed = Endpoint("http://127.0.0.1:9/v1", "m", name="closed")
    client = LlmClient(
        [closed, Endpoint(failing_server.base_url, "m"), Endpoint(echo_server.base_url, "e")],
        max_retries=1,
        sleep=lambda _: None,
    )
    done = client.chat([{"role": "user", "content": "hi"}])
    assert done.text == "ECHO: hi"
    assert len(failing_server.bodies) == 2
    assert done.attempts == 5


def test_client_errors_are_not_retried() -> None:
    rejecting = EchoServer(status=400)
    try:
        client = LlmClient([Endpoint(rejecting.base_url, "m")], max_retries=3, sleep=lambda _: None)
        with pytest.raises(LlmRequestError, match="HTTP 400"):
            client.chat(HELLO)
        assert len(rejecting.bodies) == 1
    finally:
        rejecting.close()


def test_settings_build_the_chain() -> None:
    assert endpoints_from_settings(Settings()) == []
    with pytest.raises(LlmUnavailableError, match="PUHUI_LLM_BASE_URL"):
        client_from_settings(Settings())
    settings = Settings(
        llm_base_url="http://127.0.0.1:1/v1",
        llm_model="big",
        llm_fallback_base_url="http://127.0.0.1:2/v1",
        llm_timeout_s=3,
    )
    client = client_from_settings(settings)
    assert [e.model for e in client.endpoints] == ["big", "big"]
    assert [e.name for e in client.endpoints] == ["primary", "fallback"]
    assert client.timeout_s == 3


def test_backoff_doubles_and_caps() -> None:
    client = LlmClient([Endpoint("http://127.0.0.1:1/v1", "m")], backoff_s=1)
    assert [client.backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [1, 2, 4, 8, 8, 8]


def test_a_stream_that_breaks_midway_does_not_splice_a_second_answer(
    echo_server: EchoServer,
) -> None:
    stalling = EchoServer(stall_s=2.0)
    try:
        client = LlmClient(
            [Endpoint(stalling.base_url, "m", timeout_s=0.5), Endpoint(echo_server.base_url, "e")],
            sleep=lambda _: None,
        )
        received: list[str] = []
        with pytest.raises(LlmUnavailableError, match="stream broke after 2 chunks"):
            for delta in client.stream_chat(HELLO):
                received.append(delta)
        assert received == ["ECHO", ":"]
        assert echo_server.bodies == []  # the fallback was not asked once text had flowed
    finally:
        stalling.close()


def test_stream_from_a_plain_sse_server(echo_server: EchoServer) -> None:
    stream = LlmClient([Endpoint(echo_server.base_url, "e")]).stream_chat(HELLO)
    assert list(stream) == ["ECHO", ":"]
    assert stream.result is not None and stream.result.usage.completion_tokens == 2
