"""Maker-checker approvals on both backends: who may do what, and the events they leave."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puhui.db import Database
from puhui.errors import ConflictError, NotFoundError, ValidationError
from puhui.governance import approvals, registry
from puhui.governance.lifecycle import Actor, ApprovalRefused, Event, Kind, Meta, status
from puhui.risk.decide import bind_model
from puhui.risk.model import RiskModel
from puhui.risk.strategy import Strategy, load_strategy, parse_strategy

MAKER = Actor("key:maker", "risk_analyst")
CHECKER = Actor("key:checker", "approver")
OTHER_CHECKER = Actor("key:checker2", "approver")
META = Meta("risk modelling", "PD for credit lines", "high", ("population",))
SUMMARY = {"headline": {"auc": 0.8}, "fairness_breach": False}


def _db(url: str) -> Database:
    db = Database(url)
    approvals.create_governance_tables(db)
    return db


def _registered(db: Database, model_dir: Path, model: RiskModel) -> tuple[str, Strategy]:
    version = approvals.register_model(db, model_dir, MAKER, META, "first model").version
    strategy = bind_model(load_strategy(), model)
    approvals.register_strategy(db, strategy, MAKER, META, "first strategy")
    return version, strategy


def test_the_whole_path_leaves_one_event_per_step(
    database_url: str, model_dir: Path, model: RiskModel
) -> None:
    db = _db(database_url)
    version, strategy = _registered(db, model_dir, model)
    approvals.record_validation(db, version, MAKER, SUMMARY, "<html>report</html>")
    approvals.approve(db, Kind.MODEL, version, CHECKER, "validated, fit for use")
    approvals.approve(db, Kind.STRATEGY, strategy.version_id, CHECKER, "cutoffs reviewed")
    promoted = approvals.promote(db, strategy.version_id, CHECKER, "go live")
    assert registry.champion(db) == (strategy.version_id, version)
    assert promoted.details["model_version"] == version and promoted.details["replaced"] is None

    model_events = approvals.history(db, Kind.MODEL, version)
    assert [e.event for e in model_events] == [Event.REGISTERED, Event.VALIDATED, Event.APPROVED]
    assert [e.actor for e in model_events] == ["key:maker", "key:maker", "key:checker"]
    assert model_events[2].reason == "validated, fit for use"
    assert model_events[2].details["report_id"] == model_events[1].details["report_id"]
    assert all(e.at for e in model_events)
    summary, html, of = approvals.report(db, model_events[1].details["report_id"])
    assert html == "<html>report</html>" and of == version and summary["headline"]["auc"] == 0.8
    assert status(approvals.history(db, Kind.STRATEGY, strategy.version_id)).state == "promoted"
    db.close()


def test_maker_can_never_approve_and_only_approvers_may(
    database_url: str, model_dir: Path, model: RiskModel
) -> None:
    db = _db(database_url)
    version, _strategy = _registered(db, model_dir, model)
    approvals.record_validation(db, version, MAKER, SUMMARY, "<html/>")
    same_key_as_approver = Actor("key:maker", "approver")  # even with the role, the same key
    with pytest.raises(ApprovalRefused) as refused:
        approvals.approve(db, Kind.MODEL, version, same_key_as_approver, "mine")
    assert refused.value.field == "actor"
    with pytest.raises(ApprovalRefused) as refused:
        approvals.approve(db, Kind.MODEL, version, Actor("key:x", "risk_analyst"), "ok")
    assert refused.value.field == "role"
    with pytest.raises(ValidationError) as invalid:
        approvals.approve(db, Kind.MODEL, version, CHECKER, "  ")
    assert invalid.value.field == "reason"
    admin = Actor("key:admin", "admin")
    approvals.approve(db, Kind.MODEL, version, admin, "admin is a checker too")
    assert [e.event for e in approvals.history(db, Kind.MODEL, version)][-1] is Event.APPROVED
    db.close()


def test_promotion_is_refused_without_both_approvals(
    database_url: str, model_dir: Path, model: RiskModel
) -> None:
    db = _db(database_url)
    version, strategy = _registered(db, model_dir, model)
    with pytest.raises(ApprovalRefused, match="strategy is not approved"):
        approvals.promote(db, strategy.version_id, CHECKER, "go")
    approvals.approve(db, Kind.STRATEGY, strategy.version_id, CHECKER, "ok")
    with pytest.raises(ApprovalRefused, match="model is not approved"):
        approvals.promote(db, strategy.version_id, CHECKER, "go")
    with pytest.raises(ApprovalRefused, match="validation report"):
        approvals.approve(db, Kind.MODEL, version, CHECKER, "ok")
    with pytest.raises(NotFoundError):
        registry.champion(db)  # nothing was promoted by the refusals
    assert not any(e.event is Event.PROMOTED for e in approvals.events(db))
    db.close()


def test_fairness_breach_needs_an_override_reason(
    database_url: str, model_dir: Path, model: RiskModel
) -> None:
    db = _db(database_url)
    version, _ = _registered(db, model_dir, model)
    approvals.record_validation(db, version, MAKER, {"fairness_breach": True}, "<html/>")
    with pytest.raises(ApprovalRefused) as refused:
        approvals.approve(db, Kind.MODEL, version, CHECKER, "looks fine")
    assert refused.value.field == "override_reason"
    record = approvals.approve(
        db, Kind.MODEL, version, CHECKER, "approved", override_reason="gap explained by income"
    )
    assert record.details["fairness_override"] == "gap explained by income"
    db.close()


def test_the_champion_cannot_be_retired_and_retired_cannot_return(
    database_url: str, model_dir: Path, model: RiskModel
) -> None:
    db = _db(database_url)
    version, strategy = _registered(db, model_dir, model)
    approvals.record_validation(db, version, MAKER, SUMMARY, "<html/>")
    approvals.approve(db, Kind.MODEL, version, CHECKER, "ok")
    approvals.approve(db, Kind.STRATEGY, strategy.version_id, CHECKER, "ok")
    approvals.promote(db, strategy.version_id, CHECKER, "live")
    for kind, subject in ((Kind.STRATEGY, strategy.version_id), (Kind.MODEL, version)):
        with pytest.raises(ConflictError, match="live champion"):
            approvals.retire(db, kind, subject, CHECKER, "old")
    # a second strategy on the same model replaces the first, which may then retire
    data = strategy.to_data()
    data["strategy"]["label"] = "tighter"
    other = parse_strategy(data)
    approvals.register_strategy(db, other, MAKER, META)
    approvals.approve(db, Kind.STRATEGY, other.version_id, OTHER_CHECKER, "reviewed")
    replaced = approvals.promote(db, other.version_id, OTHER_CHECKER, "tighter cutoffs")
    assert replaced.details["replaced"] == strategy.version_id
    approvals.retire(db, Kind.STRATEGY, strategy.version_id, CHECKER, "superseded")
    with pytest.raises(ConflictError, match="retired"):
        approvals.approve(db, Kind.STRATEGY, strategy.version_id, CHECKER, "back")
    db.close()


def test_events_are_append_only(database_url: str, model_dir: Path, model: RiskModel) -> None:
    db = _db(database_url)
    _registered(db, model_dir, model)
    for sql in ("UPDATE governance_events SET reason = 'x'", "DELETE FROM governance_events"):
        with pytest.raises(Exception, match="append-only"), db.tx():
            db.execute(sql)
    assert len(approvals.events(db)) == 2
    db.close()


def test_registering_again_changes_nothing(sqlite_url: str, model_dir: Path) -> None:
    db = _db(sqlite_url)
    first = approvals.register_model(db, model_dir, MAKER, META)
    again = approvals.register_model(db, model_dir, Actor("key:someone", "risk_analyst"), META)
    assert again == first and len(approvals.events(db)) == 1
    with pytest.raises(ApprovalRefused):
        approvals.register_model(db, model_dir, Actor("key:agent", "agent"), META)
    db.close()


ACTORS = [MAKER, CHECKER, OTHER_CHECKER, Actor("key:analyst2", "risk_analyst")]
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["validate", "approve_model", "approve_strategy", "promote"]),
        st.sampled_from(range(len(ACTORS))),
    ),
    max_size=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_any_sequence_promotes_only_what_someone_else_approved(
    tmp_path_factory: pytest.TempPathFactory,
    model_dir: Path,
    model: RiskModel,
    steps: list[tuple[str, int]],
) -> None:
    db = _db(f"sqlite:///{tmp_path_factory.mktemp('seq') / 'p.db'}")
    version, strategy = _registered(db, model_dir, model)
    for action, who in steps:
        actor = ACTORS[who]
        try:
            if action == "validate":
                approvals.record_validation(db, version, actor, SUMMARY, "<html/>")
            elif action == "approve_model":
                approvals.approve(db, Kind.MODEL, version, actor, "ok")
            elif action == "approve_strategy":
                approvals.approve(db, Kind.STRATEGY, strategy.version_id, actor, "ok")
            else:
                approvals.promote(db, strategy.version_id, actor, "go")
        except ApprovalRefused:
            pass
    try:
        live = registry.champion(db)
    except NotFoundError:
        live = None
    for event in approvals.events(db):
        if event.event is Event.APPROVED:
            assert event.actor != MAKER.identity and event.role == "approver"
    if live is not None:
        model_events = approvals.history(db, Kind.MODEL, version)
        first_approval = next(e for e in model_events if e.event is Event.APPROVED)
        validated = next(e for e in model_events if e.event is Event.VALIDATED)
        assert validated.at < first_approval.at
        assert any(
            e.event is Event.APPROVED
            for e in approvals.history(db, Kind.STRATEGY, strategy.version_id)
        )
    db.close()
