"""Probe 4: request limits. A body over the configured size is refused with 413 before it is
parsed (with or without Content-Length); deep JSON and long arrays are refused with 422
naming `body`; every write route is rate limited per key (429 with Retry-After)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.api.limits import Limits, json_shape_error
from tests.api.conftest import Server
from tests.security.conftest import serve

LIMITS = {
    "PUHUI_MAX_BODY_BYTES": "65536",
    "PUHUI_MAX_JSON_DEPTH": "8",
    "PUHUI_MAX_JSON_ARRAY": "100",
    "PUHUI_WRITE_RATE_PER_SECOND": "0.5",
    "PUHUI_WRITE_RATE_BURST": "3",
}


@pytest.fixture(scope="module")
def limited(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    yield from serve(request, tmp_path_factory.mktemp("limits"), LIMITS)


def test_ten_megabytes_are_refused_before_parsing(limited: Server) -> None:
    body = b'{"text": "' + b"x" * 10_000_000 + b'"}'
    with limited.client("agent") as c:
        r = c.post(
            "/v1/compliance/check", content=body, headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "payload_too_large"


def test_a_chunked_body_over_the_limit_is_refused(limited: Server) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(20):
            yield b"y" * 10_000
        yield b'"}'

    with limited.client("agent") as c:
        r = c.post(
            "/v1/compliance/check", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 413, r.text


def test_a_body_under_the_limit_is_served(limited: Server) -> None:
    with limited.client("agent") as c:
        r = c.post("/v1/compliance/check", json={"text": "您好，这里是普惠银行。"})
        assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 20 + b"]" * 20,
        b'{"text": "a", "context": ' + b'{"a": ' * 12 + b"1" + b"}" * 12 + b"}",
        b'{"text": "a", "context": {"list": [' + b",".join([b"1"] * 101) + b"]}}",
        b"[" * 30_000 + b"]" * 30_000,
    ],
)
def test_deep_or_long_json_is_refused(limited: Server, body: bytes) -> None:
    with httpx.Client(base_url=limited.base_url, timeout=30) as c:
        r = c.post(
            "/v1/compliance/check",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-API-Key": limited.keys["qa_supervisor"],
            },
        )
        assert r.status_code in (413, 422), r.text
        if len(body) <= 65536:
            assert r.status_code == 422 and r.json()["field"] == "body"


def test_every_write_route_is_rate_limited_per_key(limited: Server) -> None:
    with limited.client("risk_analyst") as c, limited.client("approver") as other:
        codes = [
            c.post("/v1/governance/models/nope/approve", json={"reason": "x"}).status_code
            for _ in range(6)
        ]
        assert 403 in codes and codes[-1] == 429, codes
        r = c.post("/v1/governance/models/nope/approve", json={"reason": "x"})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        # another key has its own bucket; reads are not writes
        assert other.post("/v1/decisions", json={}).status_code != 429
        assert c.get("/v1/governance/inventory").status_code != 429


@given(
    st.recursive(
        st.integers() | st.text(max_size=3),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=2), inner),
        max_leaves=30,
    )
)
def test_shape_check_agrees_with_a_recursive_definition(value: object) -> None:
    def depth(v: object) -> int:
        if isinstance(v, list):
            return 1 + max((depth(x) for x in v), default=0)
        if isinstance(v, dict):
            return 1 + max((depth(x) for x in v.values()), default=0)
        return 0

    def longest(v: object) -> int:
        if isinstance(v, list):
            return max([len(v), *(longest(x) for x in v)])
        if isinstance(v, dict):
            return max([0, *(longest(x) for x in v.values())])
        return 0

    for max_depth in (1, 2, 3):
        for max_array in (0, 2, 4):
            expected = depth(value) > max_depth or longest(value) > max_array
            assert (json_shape_error(value, max_depth, max_array) is not None) == expected


def test_uploads_get_the_larger_cap() -> None:
    limits = Limits(100, 1000, ("/v1/governance/models",))
    assert limits.body_limit("/v1/governance/models") == 1000
    assert limits.body_limit("/v1/governance/models/x/1/approve") == 1000
    assert limits.body_limit("/v1/governance/modelsx") == 100
    assert limits.body_limit("/v1/lines") == 100
