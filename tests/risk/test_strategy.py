"""Strategies: fingerprints, loading errors, champion/challenger assignment."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.rate import Rate
from puhui.risk.strategy import (
    DEFAULT_STRATEGY_PATH,
    Arm,
    Experiment,
    StrategyError,
    bucket,
    buckets,
    load_experiment,
    load_strategy,
    parse_strategy,
)

DEFAULT_TEXT = DEFAULT_STRATEGY_PATH.read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_strategy_loads() -> None:
    strategy = load_strategy()
    assert strategy.name == "puhui-default"
    assert strategy.model.name == "pd-gbdt"
    assert strategy.pricing.rate_cap == Rate.of("0.24")
    assert strategy.limits.term_months == 12
    assert [r.code for r in strategy.policy.rules][:2] == ["KO-AGE", "KO-BLACKLIST"]
    assert strategy.version_id == f"sha256:{strategy.fingerprint[:16]}"
    assert len(strategy.fingerprint) == 64


def test_fingerprint_ignores_comments_layout_and_number_spelling(tmp_path: Path) -> None:
    reference = load_strategy().fingerprint
    respelled = DEFAULT_TEXT.replace("rate_cap = 0.24 ", "rate_cap = 0.2400").replace(
        "# marginal funding rate", "# what funding costs"
    )
    assert respelled != DEFAULT_TEXT
    assert load_strategy(_write(tmp_path, "# a comment\n\n" + respelled)).fingerprint == reference


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    reference = load_strategy().fingerprint
    cheaper = DEFAULT_TEXT.replace("target_margin = 0.02", "target_margin = 0.019")
    retexted = DEFAULT_TEXT.replace("命中黑名单", "命中黑名单。")
    assert load_strategy(_write(tmp_path, cheaper, "a.toml")).fingerprint != reference
    assert load_strategy(_write(tmp_path, retexted, "b.toml")).fingerprint != reference


def test_fingerprint_covers_defaults(tmp_path: Path) -> None:
    # Leaving a parameter out of the file means its default, which is part of the content.
    without = DEFAULT_TEXT.replace("rate_step = 0.0001", "")
    assert load_strategy(_write(tmp_path, without)).fingerprint == load_strategy().fingerprint


def test_resolved_content_round_trips_to_the_same_fingerprint() -> None:
    strategy = load_strategy()
    assert parse_strategy(strategy.to_data()).fingerprint == strategy.fingerprint


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("rate_cap = 0.24 ", "rate_cap = 0.05 ", "pricing"),
        ("lgd = 0.85", "lgd = 0.85\nlgdd = 1", "pricing.lgdd"),
        ("approve_max_pd = 0.035", "approve_max_pd = 0.5", "cutoffs"),
        (
            '{ field = "blacklisted", op = "==", value = true }',
            '{ field = "blacklist", op = "==", value = true }',
            "blacklist",
        ),
        ("[model]", "[modle]", "modle"),
    ],
)
def test_bad_strategy_files_name_the_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert old in DEFAULT_TEXT
    with pytest.raises(StrategyError) as err:
        load_strategy(_write(tmp_path, DEFAULT_TEXT.replace(old, new)))
    assert err.value.field is not None and err.value.field.startswith(field)


def test_unreadable_strategy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StrategyError):
        load_strategy(tmp_path / "missing.toml")
    with pytest.raises(StrategyError):
        load_strategy(_write(tmp_path, "[strategy\n"))


# -- champion / challenger ------------------------------------------------------------------
def test_bucket_is_sha256_of_salt_and_id() -> None:
    digest = hashlib.sha256(b"exp-1\x1fC000123").digest()
    assert bucket("exp-1", "C000123") == int.from_bytes(digest[:8], "big") % 10_000


@settings(max_examples=50)
@given(st.text(min_size=1, max_size=20), st.lists(st.text(min_size=1, max_size=30), max_size=50))
def test_batch_buckets_equal_row_by_row(salt: str, ids: list[str]) -> None:
    assert buckets(salt, ids).tolist() == [bucket(salt, cid) for cid in ids]


def test_split_proportions_and_determinism() -> None:
    champion = load_strategy()
    experiment = Experiment("exp", "exp-2026-12", champion, champion, Decimal("0.2"))
    ids = [f"C{i:09d}" for i in range(50_000)]
    in_slice = experiment.in_challenger_slice(ids)
    share = in_slice.mean()
    # Binomial(50,000, 0.2): sd = 0.0018; 5 sd either side.
    assert 0.191 < share < 0.209
    arms = [experiment.assign(cid).arm for cid in ids[:2000]]
    assert arms == [experiment.assign(cid).arm for cid in ids[:2000]]
    assert [a is Arm.CHALLENGER for a in arms] == in_slice[:2000].tolist()
    # Another salt reshuffles: a different experiment is independent of this one.
    other = Experiment("exp", "another-salt", champion, champion, Decimal("0.2"))
    assert (other.in_challenger_slice(ids) != in_slice).any()


def test_shadow_mode_lets_the_champion_decide() -> None:
    champion = load_strategy()
    experiment = Experiment("exp", "s", champion, champion, Decimal("1"), shadow=True)
    assignment = experiment.assign("C1")
    assert assignment.arm is Arm.CHAMPION
    assert assignment.deciding is champion and assignment.shadow is champion


def test_experiment_validation() -> None:
    champion = load_strategy()
    with pytest.raises(StrategyError) as err:
        Experiment("e", "s", champion, champion, Decimal("1.5"))
    assert err.value.field == "challenger_share"
    with pytest.raises(StrategyError) as err:
        Experiment("e", "s", champion, None, Decimal("0.1"))
    assert err.value.field == "challenger"
    with pytest.raises(StrategyError):
        Experiment("e", "s", champion, champion, Decimal("0.00001"))


def test_load_experiment(tmp_path: Path) -> None:
    _write(tmp_path, DEFAULT_TEXT, "champion.toml")
    _write(
        tmp_path, DEFAULT_TEXT.replace("target_margin = 0.02", "target_margin = 0.03"), "ch.toml"
    )
    path = _write(
        tmp_path,
        '[experiment]\nname = "margin test"\nsalt = "m1"\nchampion = "champion.toml"\n'
        'challenger = "ch.toml"\nchallenger_share = 0.1\nshadow = true\n',
        "experiment.toml",
    )
    experiment = load_experiment(path)
    assert experiment.challenger_buckets == 1_000
    assert experiment.shadow
    assert experiment.challenger is not None
    assert experiment.challenger.fingerprint != experiment.champion.fingerprint
