"""Request limits, before any route parses a body.

`RequestLimits` is a pure ASGI middleware: a body larger than the configured size is refused
with 413 from its `Content-Length` before a byte of it is read (and, without one, as soon as
the bytes read pass the limit); a JSON body nested deeper than `max_json_depth` or holding an
array longer than `max_json_array` is refused with 422 naming `body`. Every answer is an RFC
9457 problem. Write routes are also rate limited per key (`security.require`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from puhui.api.problems import problem_response
from puhui.settings import Settings

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 33_554_432
    upload_paths: tuple[str, ...] = ()
    max_json_depth: int = 32
    max_json_array: int = 10_000

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            settings.max_body_bytes,
            settings.max_upload_bytes,
            tuple(settings.upload_paths),
            settings.max_json_depth,
            settings.max_json_array,
        )

    def body_limit(self, path: str) -> int:
        """The size cap for `path`: uploads (model files) may be larger than a request."""
        if any(path == p or path.startswith(p.rstrip("/") + "/") for p in self.upload_paths):
            return self.max_upload_bytes
        return self.max_body_bytes


def json_shape_error(value: Any, max_depth: int, max_array: int) -> str | None:
    """Why a parsed JSON value is out of bounds (too deep, an array too long), or None.
    Iterative: the check itself never recurses."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return f"JSON is nested deeper than {max_depth} levels"
            if isinstance(item, list):
                if len(item) > max_array:
                    return f"a JSON array has more than {max_array} items"
                stack.extend((v, depth + 1) for v in item)
            else:
                stack.extend((v, depth + 1) for v in item.values())
    return None


def _is_json(headers: Sequence[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return False


class RequestLimits:
    """Body size (413), JSON depth and array length (422) caps for every HTTP request."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.limits.body_limit(path)
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        for name, value in headers:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0:
                    await self._refuse(scope, send, 400, "bad_request", "invalid Content-Length")
                    return
                if declared > limit:
                    await self._too_large(scope, send, limit)
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, send, limit)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        if body and _is_json(headers):
            try:
                parsed = json.loads(body)
            except RecursionError:
                parsed, why = (
                    None,
                    f"JSON is nested deeper than {self.limits.max_json_depth} levels",
                )
            except ValueError:
                parsed, why = None, None  # not JSON: the route's own parser says so
            else:
                why = json_shape_error(
                    parsed, self.limits.max_json_depth, self.limits.max_json_array
                )
            if why is not None:
                await self._refuse(scope, send, 422, "request_too_complex", why, field="body")
                return
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)

    async def _too_large(self, scope: Scope, send: Send, limit: int) -> None:
        await self._refuse(
            scope,
            send,
            413,
            "payload_too_large",
            f"the request body is larger than {limit} bytes",
            headers={"Connection": "close"},
        )

    @staticmethod
    async def _refuse(
        scope: Scope,
        send: Send,
        status: int,
        code: str,
        detail: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        response = problem_response(
            status, code, detail, field=field, instance=scope["path"], headers=headers
        )
        await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
