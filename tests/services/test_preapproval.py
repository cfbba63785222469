"""Loading a pre-approval run into the book, and the daily refresh, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from puhui.governance import audit
from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES
from puhui.preapproval.engines import run
from puhui.preapproval.partitions import plan
from puhui.preapproval.scoring import ScoringBundle
from puhui.risk import RiskModel, TrainConfig, save_model, train_model
from puhui.risk.decide import Decider, bind_model
from puhui.risk.strategy import Strategy, load_strategy
from puhui.services.decisions import DecisionService
from puhui.services.preapproval import load_run, refresh_lines
from puhui.servicing.service import LendingService
from tests.governance.support import make_champion


@pytest.fixture(scope="module")
def trained() -> tuple[RiskModel, Strategy]:
    history = generate_population(PopulationConfig(n=6_000, seed=5))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    model = train_model(
        history,
        TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind="scorecard"),
    ).model
    return model, bind_model(load_strategy(), model)


def _bank(url: str, tmp_path: Path, model: RiskModel, strategy: Strategy) -> LendingService:
    lending = LendingService(url)
    lending.register_product()
    lending.start(date(2026, 1, 5))
    save_model(model, tmp_path / "model")
    DecisionService(lending.db, Decider.single(model, strategy), model_cache=tmp_path / "m")
    make_champion(lending.db, tmp_path / "model", strategy)
    return lending


def _count(lending: LendingService, sql: str) -> int:
    with lending.db.read():
        return int(lending.db.one(sql)[0])


def test_load_grants_once_with_audit_rows_and_the_refresh_follows_the_rules(
    database_url: str, tmp_path: Path, trained: tuple[RiskModel, Strategy]
) -> None:
    model, strategy = trained
    people = generate_population(PopulationConfig(n=1_500, seed=9))  # hidden columns included
    data = tmp_path / "in"
    data.mkdir()
    people.slice(0, 700).write_parquet(data / "part-00000.parquet")
    people.slice(700).write_parquet(data / "part-00001.parquet")
    out = tmp_path / "out"
    manifest = run(ScoringBundle.of(model, strategy), plan(data), out)
    lending = _bank(database_url, tmp_path, model, strategy)
    try:
        first = load_run(lending, out, model_cache=tmp_path / "m")
        assert first["decisions_logged"] == 1_500
        assert first["lines_granted"] == manifest["approved"] > 0
        again = load_run(lending, out, model_cache=tmp_path / "m")
        assert again["lines_granted"] == 0 and again["already_loaded_partitions"] == 2
        assert _count(lending, "SELECT COUNT(*) FROM lending_lines") == manifest["approved"]
        assert _count(lending, "SELECT COUNT(*) FROM decision_audit") == 1_500
        linked = "SELECT COUNT(*) FROM decision_audit a JOIN lending_lines l ON l.id = a.line_id"
        assert _count(lending, linked) == manifest["approved"]  # each line with its audit row

        # A loaded decision replays exactly from its snapshot, which holds no hidden truth.
        with lending.db.read():
            entries = audit.query(lending.db, limit=5)
        service = DecisionService(
            lending.db, Decider.single(model, strategy), model_cache=tmp_path / "m"
        )
        for entry in entries:
            assert "true_pd" not in entry.features
            assert service.replay(entry.decision_id).matches

        # Tomorrow: some holders turn bad (blacklisted), others earn twice as much.
        approved = pl.read_parquet(str(out / "parts" / "**" / "*.parquet")).filter(
            pl.col("decision") == "approve"
        )
        ids = approved["customer_id"].cast(pl.Int64)
        worse, better = ids.head(20).to_list(), ids.slice(20, 200).to_list()
        today = people.with_columns(
            pl.when(pl.col("customer_id").is_in(worse))
            .then(True)
            .otherwise(pl.col("blacklisted"))
            .alias("blacklisted"),
            pl.when(pl.col("customer_id").is_in(better))
            .then(pl.col("monthly_income") * 2)
            .otherwise(pl.col("monthly_income"))
            .alias("monthly_income"),
        )
        fresh = tmp_path / "today"
        fresh.mkdir()
        today.write_parquet(fresh / "part-00000.parquet")
        refreshed = refresh_lines(lending, fresh, model, strategy)
        assert refreshed["re_decided"] == manifest["approved"]  # only line holders
        assert refreshed["frozen"] >= 20 and refreshed["raised"] > 0
        frozen = "SELECT COUNT(*) FROM lending_lines WHERE status = 'frozen'"
        assert _count(lending, frozen) == refreshed["frozen"]
        repeat = refresh_lines(lending, fresh, model, strategy)
        assert repeat["re_decided"] == 0  # idempotent by the business date
        assert (
            _count(lending, "SELECT COUNT(*) FROM decision_audit") == 1_500 + manifest["approved"]
        )
    finally:
        lending.close()
