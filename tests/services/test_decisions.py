"""Decide, grant and audit atomically; idempotent applications; exact replay; both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from puhui.db import Database
from puhui.errors import ValidationError
from puhui.governance import audit
from puhui.governance.registry import register_model, register_strategy
from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES
from puhui.risk import RiskModel, TrainConfig, save_model, train_model
from puhui.risk.decide import Decider, DecisionResult, bind_model
from puhui.risk.strategy import load_strategy
from puhui.services.decisions import DecisionService

HOOKS = [c for c in NON_FEATURES if c != "customer_id"]


@pytest.fixture(scope="module")
def trained(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[RiskModel, Path, list[dict[str, Any]]]:
    frame = generate_population(PopulationConfig(n=12_000, seed=11))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    model = train_model(
        frame, TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind="gbdt")
    ).model
    directory = tmp_path_factory.mktemp("model")
    save_model(model, directory)
    rows = frame.head(300).drop(HOOKS).to_dicts()
    for row in rows:
        row["customer_id"] = f"c{row['customer_id']}"
    return model, directory, rows


def lines_table(db: Database) -> None:
    db.create_tables(
        "CREATE TABLE IF NOT EXISTS test_lines (line_id TEXT PRIMARY KEY, limit_minor BIGINT)", 9
    )


@pytest.fixture
def service(
    database_url: str, trained: tuple[RiskModel, Path, list[dict[str, Any]]], tmp_path: Path
) -> Iterator[DecisionService]:
    model, directory, _ = trained
    db = Database(database_url)
    lines_table(db)
    strategy = bind_model(load_strategy(), model)

    def grant(db: Database, result: DecisionResult, decision_id: str) -> str:
        line_id = f"L-{decision_id}"  # the whole id: a UUIDv7 prefix is only its millisecond
        db.execute("INSERT INTO test_lines VALUES (?, ?)", (line_id, result.limit_minor))
        return line_id

    svc = DecisionService(
        db, Decider.single(model, strategy), grant_line=grant, model_cache=tmp_path / "models"
    )
    register_model(db, directory)
    register_strategy(db, strategy)
    yield svc
    db.close()


def count(db: Database, table: str) -> int:
    return int(db.one(f"SELECT count(*) FROM {table}")[0])


def test_decisions_are_logged_with_their_effect(
    service: DecisionService, trained: tuple[RiskModel, Path, list[dict[str, Any]]]
) -> None:
    _, _, rows = trained
    outcomes = {}
    for i, row in enumerate(rows[:60]):
        entry = service.decide(row, f"app-{i}")
        outcomes[entry.outcome] = outcomes.get(entry.outcome, 0) + 1
        assert entry.strategy_version.startswith("sha256:")
        assert entry.model_version == service.decider.model.version
        assert len(entry.reasons) <= 4
        if entry.outcome == "approve":
            assert entry.line_id is not None and entry.limit_minor > 0 and entry.nominal_rate
        elif entry.outcome == "refer":  # a proposed limit for the reviewer, no line yet
            assert entry.line_id is None and entry.reasons
        else:
            assert entry.line_id is None and entry.limit_minor == 0 and entry.reasons
    assert outcomes.get("approve", 0) > 0
    approved = outcomes.get("approve", 0)
    assert count(service.db, "test_lines") == approved
    assert count(service.db, "decision_audit") == 60


def test_same_application_is_decided_once(
    service: DecisionService, trained: tuple[RiskModel, Path, list[dict[str, Any]]]
) -> None:
    row = trained[2][0]
    first = service.decide(row, "app-same")
    again = service.decide(row, "app-same")
    assert again.decision_id == first.decision_id
    assert count(service.db, "decision_audit") == 1


def test_a_failing_grant_leaves_no_audit_row(
    service: DecisionService, trained: tuple[RiskModel, Path, list[dict[str, Any]]]
) -> None:
    def broken(db: Database, result: DecisionResult, decision_id: str) -> str:
        db.execute("INSERT INTO test_lines VALUES (?, ?)", ("L-x", result.limit_minor))
        raise RuntimeError("ledger down")

    service.grant_line = broken
    approved = next(r for r in trained[2] if service.decider.decide(r).outcome == "approve")
    with pytest.raises(RuntimeError):
        service.decide(approved, "app-broken")
    assert count(service.db, "decision_audit") == 0
    assert count(service.db, "test_lines") == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"age": None, "_drop": "monthly_income"}, "monthly_income"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ({"monthly_income": "lots"}, "monthly_income"),
        ({"monthly_obligations": -5}, "monthly_obligations"),
        ({"age": "forty"}, "age"),
        ({"customer_id": ""}, "customer_id"),
    ],
)
def test_bad_input_names_the_field_and_logs_nothing(
    service: DecisionService,
    trained: tuple[RiskModel, Path, list[dict[str, Any]]],
    change: dict[str, Any],
    field: str,
) -> None:
    row = dict(trained[2][1])
    change = dict(change)  # parametrize shares the dict between backends
    drop = change.pop("_drop", None)
    row.update(change)
    if drop:
        row.pop(drop)
    with pytest.raises(ValidationError) as err:
        service.decide(row, "app-bad")
    assert err.value.field == field
    assert count(service.db, "decision_audit") == 0


def test_replay_reproduces_logged_decisions(
    service: DecisionService, trained: tuple[RiskModel, Path, list[dict[str, Any]]]
) -> None:
    ids = [service.decide(row, f"app-r{i}").decision_id for i, row in enumerate(trained[2][:25])]
    service._models.clear()  # replay loads the model from the registry, not from memory
    for decision_id in ids:
        replay = service.replay(decision_id)
        assert replay.matches, replay.differences


def test_audit_is_append_only(
    service: DecisionService, trained: tuple[RiskModel, Path, list[dict[str, Any]]]
) -> None:
    entry = service.decide(trained[2][2], "app-ro")
    with pytest.raises(Exception, match="append-only"), service.db.tx():
        service.db.execute("UPDATE decision_audit SET outcome = 'approve'")
    with pytest.raises(Exception, match="append-only"), service.db.tx():
        service.db.execute("DELETE FROM decision_audit")
    assert audit.get(service.db, entry.decision_id).outcome == entry.outcome


def test_knock_outs_decline_with_their_reason(
    service: DecisionService, trained: tuple[RiskModel, Path, list[dict[str, Any]]]
) -> None:
    row = dict(trained[2][3], blacklisted=True)
    entry = service.decide(row, "app-ko")
    assert entry.outcome == "decline"
    assert entry.reasons[0]["code"] == "KO-BLACKLIST"
    assert "黑名单" in entry.reasons[0]["text_zh"]
