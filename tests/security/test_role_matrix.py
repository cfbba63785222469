"""The role × route matrix, generated from the app's OpenAPI document.

Every operation must name who may call it: a `require(...)` dependency (admins always pass)
or `public`. The expected roles are read from the routes' dependencies, not written down a
second time; then each role's key (and no key at all) calls every operation on the real
server: a role outside the route's set gets 403, no key gets 401, a role inside it gets
anything but 401/403 (and never a 5xx): dummy ids and bodies give 404 or 422 there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from puhui.api.app import create_app
from puhui.settings import Settings
from tests.api.conftest import Server
from tests.security.conftest import ROLES

PUBLIC = "public"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    tmp: Path = tmp_path_factory.mktemp("matrix")
    yield create_app(Settings(database_url=f"sqlite:///{tmp / 'p.db'}", data_dir=str(tmp)))


def _role_sets(dependant: Dependant) -> list[frozenset[str]]:
    found = []
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "roles", None)
        if roles is not None:
            found.append(frozenset(str(getattr(r, "value", r)) for r in roles))
        found += _role_sets(sub)
    return found


def expected_roles(route: Any) -> frozenset[str] | str:
    """The roles a route admits (the intersection of its role checks), or PUBLIC."""
    sets = _role_sets(route.dependant)
    checks = [s for s in sets if s]
    if not checks:
        return PUBLIC if sets else frozenset()
    admitted = frozenset.intersection(*checks)
    return admitted


def operations(app: FastAPI) -> list[tuple[str, str, Any]]:
    spec = app.openapi()
    by_path = {
        (m, ctx.path): ctx
        for ctx in iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute)
        for m in ctx.methods or ()
    }
    ops = []
    for path, methods in spec["paths"].items():
        for method in methods:
            ops.append((method.upper(), path, by_path[(method.upper(), path)]))
    return ops


def test_every_route_names_its_role(app: FastAPI) -> None:
    ops = operations(app)
    assert len(ops) > 40
    nameless = [f"{m} {p}" for m, p, r in ops if expected_roles(r) == frozenset()]
    assert nameless == [], f"routes that name no role: {nameless}"
    public = sorted(f"{m} {p}" for m, p, r in ops if expected_roles(r) == PUBLIC)
    assert public == ["GET /healthz"], public
    for _, _, route in ops:
        roles = expected_roles(route)
        assert roles == PUBLIC or "admin" in roles


_CANDIDATES = ("1", "x1", "cu_" + "a" * 26, "C1", "abc123", "0" * 32)


def _value(param: dict[str, Any]) -> str:
    schema = param.get("schema", {})
    if "enum" in schema:
        return str(schema["enum"][0])
    pattern = schema.get("pattern")
    for candidate in _CANDIDATES:
        if pattern is None or re.match(pattern, candidate):
            return candidate
    raise AssertionError(f"no dummy value fits {param['name']}: {pattern}")


def _request(spec: dict[str, Any], method: str, path: str, n: int) -> tuple[str, dict[str, Any]]:
    op = spec["paths"][path][method.lower()]
    url = path
    for param in op.get("parameters", []):
        if param["in"] == "path":
            url = url.replace("{" + param["name"] + "}", _value(param))
    kwargs: dict[str, Any] = {"headers": {"Idempotency-Key": f"matrix-{n}"}}
    if "requestBody" in op:
        kwargs["json"] = {}
    return url, kwargs


def test_role_route_matrix(app: FastAPI, sqlite_server: Server) -> None:
    spec = app.openapi()
    ops = operations(app)
    wrong: list[str] = []
    checked = 0
    with httpx.Client(base_url=sqlite_server.base_url, timeout=60) as client:
        for n, (method, path, route) in enumerate(ops):
            allowed = expected_roles(route)
            url, kwargs = _request(spec, method, path, n)
            for role in (None, *ROLES):
                headers = dict(kwargs["headers"])
                if role is not None:
                    headers["X-API-Key"] = sqlite_server.keys[role]
                checked += 1
                try:
                    r = client.request(method, url, **{**kwargs, "headers": headers})
                except httpx.HTTPError as exc:
                    wrong.append(f"{role} {method} {path}: {exc!r}")
                    continue
                if r.status_code >= 500:
                    wrong.append(f"{role} {method} {path}: {r.status_code} {r.text[:200]}")
                elif allowed == PUBLIC:
                    if r.status_code in (401, 403):
                        wrong.append(f"{role} {method} {path}: public, got {r.status_code}")
                elif role is None:
                    if r.status_code != 401:
                        wrong.append(f"anonymous {method} {path}: {r.status_code}, not 401")
                elif role in allowed:
                    if r.status_code in (401, 403):
                        wrong.append(f"{role} {method} {path}: allowed, got {r.status_code}")
                elif r.status_code != 403:
                    wrong.append(f"{role} {method} {path}: not allowed, got {r.status_code}")
                if r.status_code in (401, 403, 413, 422) or r.status_code >= 400:
                    assert r.headers["content-type"].startswith("application/problem+json"), (
                        method,
                        path,
                        r.status_code,
                    )
    assert checked == len(ops) * (len(ROLES) + 1)
    assert wrong == [], "\n".join(wrong)
