"""`puhui app code`: a one-time code that signs a demo customer in to /app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from puhui.borrower import SignInCodes
from puhui.cli import app
from tests.borrower.support import seed_book

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("PUHUI_DATABASE_URL", url)
    monkeypatch.setenv("PUHUI_DATA_DIR", str(tmp_path / "data"))
    seed_book(url).close()
    return url


def test_a_code_for_a_named_customer_signs_them_in(url: str) -> None:
    result = runner.invoke(app, ["app", "code", "C-BOB", "--json"])
    assert result.exit_code == 0, result.output
    issued = json.loads(result.stdout)
    assert issued["customer_id"] == "C-BOB" and len(issued["code"]) == 6
    codes = SignInCodes(url)
    assert codes.redeem("C-BOB", issued["code"]) and not codes.redeem("C-BOB", issued["code"])
    codes.close()


def test_without_a_name_a_demo_customer_is_chosen(url: str) -> None:
    result = runner.invoke(app, ["app", "code"])
    assert result.exit_code == 0 and "C-ALICE" in result.stdout  # the first undrawn line


def test_a_customer_without_a_line_gets_no_code(url: str) -> None:
    result = runner.invoke(app, ["app", "code", "C-NOBODY"])
    assert result.exit_code != 0 and "CUSTOMER" in result.output
