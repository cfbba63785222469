"""One client for any OpenAI-compatible server: vLLM, SGLang, Ollama, llama.cpp, hosted DeepSeek.

A call tries each endpoint of the fallback chain in order; on each it retries transient
failures (connection errors, time-outs, 429 and 5xx) with exponential backoff. Every answer
carries the endpoint that gave it, its token usage and its latency, for the audit log.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from puhui.errors import PuhuiError

Message = dict[str, str]


class LlmUnavailableError(PuhuiError):
    """No endpoint of the chain answered (or none is configured)."""

    code = "llm_unavailable"


class LlmRequestError(PuhuiError):
    """The server refused the request itself (4xx other than 429): retrying will not help."""

    code = "llm_request_rejected"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An OpenAI-compatible server: `base_url` ends in `/v1` (or its equivalent)."""

    base_url: str
    model: str
    api_key: str = ""
    name: str = ""
    timeout_s: float | None = None  # overrides the client's time-out for this endpoint

    @property
    def label(self) -> str:
        return self.name or self.base_url


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    """A model's answer and what it cost."""

    text: str
    model: str
    endpoint: str
    usage: Usage
    latency_ms: float
    attempts: int
    finish_reason: str | None = None
    errors: tuple[str, ...] = ()

    @property
    def tokens_per_second(self) -> float:
        seconds = self.latency_ms / 1000
        return self.usage.completion_tokens / seconds if seconds > 0 else 0.0


@dataclass(slots=True)
class Stream:
    """Iterate for the text deltas; `result` holds the Completion once the stream is drained."""

    chunks: Iterator[str]
    result: Completion | None = None

    def __iter__(self) -> Iterator[str]:
        return self.chunks


_RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass
class LlmClient:
    """Chat and completion over a chain of endpoints, with retries, backoff and accounting."""

    endpoints: Sequence[Endpoint]
    timeout_s: float = 60.0
    max_retries: int = 2
    backoff_s: float = 0.5
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def __post_init__(self) -> None:
        if not self.endpoints:
            raise LlmUnavailableError(
                "no large model is configured: set PUHUI_LLM_BASE_URL and PUHUI_LLM_MODEL",
                field="llm_base_url",
            )

    def _timeout(self, endpoint: Endpoint) -> httpx.Timeout:
        seconds = endpoint.timeout_s or self.timeout_s
        return httpx.Timeout(seconds, connect=min(5.0, seconds))

    def _headers(self, endpoint: Endpoint) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if endpoint.api_key:
            headers["authorization"] = f"Bearer {endpoint.api_key}"
        return headers

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry `attempt` (1-based): doubling, capped at 8 s."""
        return float(min(8.0, self.backoff_s * 2 ** (attempt - 1)))

    def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], Endpoint, int]:
        """POST to each endpoint in turn; returns the JSON, the endpoint that gave it, attempts."""
        errors: list[str] = []
        attempts = 0
        for endpoint in self.endpoints:
            payload = {**body, "model": endpoint.model}
            for attempt in range(self.max_retries + 1):
                if attempt:
                    self.sleep(self.backoff(attempt))
                attempts += 1
                try:
                    with httpx.Client(timeout=self._timeout(endpoint)) as http:
                        response = http.post(
                            endpoint.base_url.rstrip("/") + path,
                            json=payload,
                            headers=self._headers(endpoint),
                        )
                except httpx.TimeoutException:
                    seconds = endpoint.timeout_s or self.timeout_s
                    errors.append(f"{endpoint.label}: timed out after {seconds:g}s")
                    continue
                except httpx.TransportError as exc:
                    errors.append(f"{endpoint.label}: {type(exc).__name__}: {exc}")
                    continue
                if response.status_code in _RETRYABLE_STATUS:
                    errors.append(f"{endpoint.label}: HTTP {response.status_code}")
                    continue
                if response.status_code >= 400:
                    raise LlmRequestError(
                        f"{endpoint.label} rejected the request: HTTP {response.status_code} "
                        f"{response.text[:200]}",
                        field="request",
                    )
                return response.json(), endpoint, attempts
        raise LlmUnavailableError(
            "no endpoint answered: " + "; ".join(errors), field="llm_base_url"
        )

    def chat(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        stop: Sequence[str] | None = None,
    ) -> Completion:
        """A chat completion from the first endpoint of the chain that answers."""
        body: dict[str, Any] = {
            "messages": list(messages),
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if stop:
            body["stop"] = list(stop)
        started = time.perf_counter()
        data, endpoint, attempts = self._post("/chat/completions", body)
        choice = data["choices"][0]
        return Completion(
            text=choice.get("message", {}).get("content") or "",
            model=str(data.get("model") or endpoint.model),
            endpoint=endpoint.base_url,
            usage=_usage(data),
            latency_ms=(time.perf_counter() - started) * 1000,
            attempts=attempts,
            finish_reason=choice.get("finish_reason"),
        )

    def complete(
        self, prompt: str, *, max_tokens: int = 256, temperature: float = 0.2
    ) -> Completion:
        """A plain text completion (`/completions`)."""
        started = time.perf_counter()
        body = {"prompt": prompt, "max_tokens": max_tokens, "temperature": temperature}
        data, endpoint, attempts = self._post("/completions", body)
        choice = data["choices"][0]
        return Completion(
            text=choice.get("text") or "",
            model=str(data.get("model") or endpoint.model),
            endpoint=endpoint.base_url,
            usage=_usage(data),
            latency_ms=(time.perf_counter() - started) * 1000,
            attempts=attempts,
            finish_reason=choice.get("finish_reason"),
        )

    def stream_chat(
        self, messages: Sequence[Message], *, max_tokens: int = 256, temperature: float = 0.2
    ) -> Stream:
        """Stream a chat answer as text deltas (server-sent events).

        The chain falls back only before the first delta: once text has reached the caller,
        switching models would splice two answers together.
        """
        stream = Stream(iter(()))
        stream.chunks = self._stream(stream, messages, max_tokens, temperature)
        return stream

    def _stream(
        self, stream: Stream, messages: Sequence[Message], max_tokens: int, temperature: float
    ) -> Iterator[str]:
        errors: list[str] = []
        attempts = 0
        started = time.perf_counter()
        for endpoint in self.endpoints:
            body = {
                "model": endpoint.model,
                "messages": list(messages),
                "max_tokens": max_tokens,
                "temperature": temperature,
                "stream": True,
                "stream_options": {"include_usage": True},
            }
            for attempt in range(self.max_retries + 1):
                if attempt:
                    self.sleep(self.backoff(attempt))
                attempts += 1
                pieces: list[str] = []
                usage: Usage | None = None
                finish: str | None = None
                model = endpoint.model
                try:
                    with (
                        httpx.Client(timeout=self._timeout(endpoint)) as http,
                        http.stream(
                            "POST",
                            endpoint.base_url.rstrip("/") + "/chat/completions",
                            json=body,
                            headers=self._headers(endpoint),
                        ) as response,
                    ):
                        if response.status_code in _RETRYABLE_STATUS:
                            errors.append(f"{endpoint.label}: HTTP {response.status_code}")
                            continue
                        if response.status_code >= 400:
                            response.read()
                            raise LlmRequestError(
                                f"{endpoint.label} rejected the request: HTTP "
                                f"{response.status_code} {response.text[:200]}",
                                field="request",
                            )
                        for event in _sse_events(response.iter_lines()):
                            model = str(event.get("model") or model)
                            if event.get("usage"):
                                usage = _usage(event)
                            for choice in event.get("choices") or []:
                                delta = (choice.get("delta") or {}).get("content") or ""
                                finish = choice.get("finish_reason") or finish
                                if delta:
                                    pieces.append(delta)
                                    yield delta
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    if pieces:  # text already reached the caller: cannot fall back
                        raise LlmUnavailableError(
                            f"{endpoint.label}: stream broke after {len(pieces)} chunks: {exc}",
                            field="llm_base_url",
                        ) from exc
                    errors.append(f"{endpoint.label}: {type(exc).__name__}")
                    continue
                stream.result = Completion(
                    text="".join(pieces),
                    model=model,
                    endpoint=endpoint.base_url,
                    usage=usage or Usage(0, len(pieces)),
                    latency_ms=(time.perf_counter() - started) * 1000,
                    attempts=attempts,
                    finish_reason=finish,
                    errors=tuple(errors),
                )
                return
        raise LlmUnavailableError(
            "no endpoint answered: " + "; ".join(errors), field="llm_base_url"
        )


def _usage(data: dict[str, Any]) -> Usage:
    usage = data.get("usage") or {}
    return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))


def _sse_events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Decode `data: {...}` server-sent events until `data: [DONE]`."""
    for line in lines:
        if not line.startswith("data:"):
            continue
        payload = line[len("data:") :].strip()
        if payload == "[DONE]":
            return
        if payload:
            yield json.loads(payload)


def endpoints_from_settings(settings: Any) -> list[Endpoint]:
    """The configured chain: the primary large model, then the fallback, if set."""
    chain: list[Endpoint] = []
    if settings.llm_base_url:
        chain.append(
            Endpoint(
                settings.llm_base_url,
                settings.llm_model or "default",
                settings.llm_api_key,
                "primary",
            )
        )
    if settings.llm_fallback_base_url:
        chain.append(
            Endpoint(
                settings.llm_fallback_base_url,
                settings.llm_fallback_model or settings.llm_model or "default",
                settings.llm_fallback_api_key,
                "fallback",
            )
        )
    return chain


def client_from_settings(settings: Any) -> LlmClient:
    """The client for the configured chain; LlmUnavailableError when none is configured."""
    return LlmClient(
        endpoints_from_settings(settings),
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        backoff_s=settings.llm_backoff_s,
    )
