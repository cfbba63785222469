"""The layers of `docs/architecture.md`, enforced: dependencies point down, never up.

Each top-level module or package of `puhui` has a layer; a module may import its own package
and packages of lower layers, and, within a layer, only the pairs listed in `SIDEWAYS`.
Below the interfaces nothing imports a web or command-line framework, and the pure lending
math imports no storage at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "puhui"

#: Layer of every top-level name under `puhui` (lower numbers are lower layers).
LAYERS: dict[str, int] = {
    # foundations: no other Puhui module, or only each other
    "errors": 0,
    "money": 0,
    "rate": 0,
    "fingerprint": 0,
    "db": 0,
    "settings": 0,
    "output": 0,
    "machine": 0,
    "tabular": 0,
    "groupcommit": 0,
    # engines
    "ledger": 1,
    "ai": 1,
    # domain
    "lending": 2,
    "risk": 2,
    "population": 2,
    "customers": 2,
    "governance": 2,
    "preapproval": 2,
    "compliance": 2,
    # the book
    "servicing": 3,
    # use cases
    "services": 4,
    "portfolio": 4,  # simulates strategies through the book (servicing) or its twin
    "marketing": 4,
    "assist": 4,
    "borrower": 4,  # the borrower's use cases over the book (the /app pages are in web/)
    "cost": 4,  # meters a real workload through the book and the decision service
    "reports": 4,  # due-diligence reports: analysis of a business applicant, rendering, audit
    "studio": 4,  # the creation platform: copy, posters, narration, reviews
    # interfaces
    "api": 5,
    "web": 5,
    "cli": 5,
}

#: Imports allowed between packages of the same layer (importer -> imported).
SIDEWAYS: set[tuple[str, str]] = {
    ("money", "errors"),
    ("rate", "errors"),
    ("db", "errors"),
    ("tabular", "errors"),
    ("groupcommit", "db"),
    ("governance", "risk"),  # the registry stores strategies
    ("preapproval", "risk"),  # the batch engine runs the risk strategy
    ("marketing", "portfolio"),  # targeting values a customer with the simulator
    ("services", "assist"),  # the main job seeds demo calls
    ("services", "borrower"),  # the main job's COB writes the borrowers' app messages
    ("cost", "services"),  # the meter decides through the decision service
    ("api", "web"),  # the API app serves the console
    ("web", "api"),  # the console signs in with the API's keys
    ("cli", "api"),  # `puhui serve` and `puhui keys`
    ("cli", "web"),
}

FRAMEWORKS = ("typer", "click", "fastapi", "starlette", "uvicorn", "rich")
INTERFACES = {"api", "web", "cli", "output"}  # output: the CLI's tables and JSON
STORAGE = ("sqlite3", "psycopg", "puhui.db")
PURE = {"lending", "rate", "money", "fingerprint"}


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _modules() -> list[tuple[str, Path]]:
    return [
        (path.relative_to(SRC).parts[0].removesuffix(".py"), path)
        for path in sorted(SRC.rglob("*.py"))
        if path.relative_to(SRC).parts[0] != "__init__.py"
    ]


def test_every_top_level_module_has_a_layer() -> None:
    tops = {top for top, _ in _modules()}
    assert tops == set(LAYERS), f"unplaced: {tops - set(LAYERS)}; stale: {set(LAYERS) - tops}"


@pytest.mark.parametrize(("top", "path"), _modules(), ids=lambda v: str(v))
def test_dependencies_point_down(top: str, path: Path) -> None:
    where = path.relative_to(SRC)
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "puhui" and len(parts) > 1 and parts[1] != top:
            other = parts[1]
            upward = LAYERS[other] > LAYERS[top]
            sideways = LAYERS[other] == LAYERS[top] and (top, other) not in SIDEWAYS
            assert not (upward or sideways), f"{where} imports {name} (layer {top} -> {other})"
        if top not in INTERFACES:
            assert parts[0] not in FRAMEWORKS, f"{where} imports {name}: a framework below api/cli"
        if top in PURE:
            assert name not in STORAGE and parts[0] not in STORAGE, f"{where} does I/O: {name}"


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from puhui.servicing.service import LendingService\nimport typer\n")
    found = _imports(sample)
    assert "puhui.servicing.service" in found and "typer" in found
    assert LAYERS["servicing"] > LAYERS["lending"]  # so lending importing it would fail
