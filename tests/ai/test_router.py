"""Routing: deterministic kinds stay small, open-ended kinds go large under their policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.ai.client import Endpoint
from puhui.ai.router import (
    DEFAULT_POLICIES,
    TASKS,
    DataClass,
    Task,
    TaskKind,
    TaskPolicy,
    Tier,
    get_task,
    route,
)
from puhui.errors import NotFoundError, ValidationError

LARGE = [Endpoint("http://127.0.0.1:8000/v1", "deepseek")]


@pytest.mark.parametrize(
    ("kind", "engine"),
    [
        (TaskKind.CLASSIFY, "classifier"),
        (TaskKind.EXTRACT, "rules"),
        (TaskKind.RETRIEVE, "embeddings"),
    ],
)
def test_deterministic_kinds_go_small_even_with_a_large_model(kind: TaskKind, engine: str) -> None:
    r = route(Task("t", kind), LARGE)
    assert r.tier is Tier.SMALL and r.engine == engine and r.available and not r.endpoints


@pytest.mark.parametrize("kind", [TaskKind.SUMMARIZE, TaskKind.DRAFT, TaskKind.CHAT])
def test_open_ended_kinds_go_large_redacted(kind: TaskKind) -> None:
    r = route(Task("t", kind, frozenset({DataClass.PERSONAL})), LARGE)
    assert r.tier is Tier.LARGE and r.model == "deepseek" and r.redact
    assert r.allowed and r.available
    assert r.max_tokens == DEFAULT_POLICIES[kind].max_tokens


def test_credit_data_never_leaves() -> None:
    r = route(get_task("risk.explain"), LARGE)
    assert not r.allowed and r.withheld == ("credit",)
    assert "credit" in r.reason


def test_no_large_model_says_so_and_names_the_fallback() -> None:
    summary = route(get_task("call.summarize"), [])
    assert not summary.available and summary.fallback is not None
    assert "PUHUI_LLM_BASE_URL" in summary.reason
    chat = route(get_task("agent.chat"), [])
    assert not chat.available and chat.fallback is None and "cannot run" in chat.reason


def test_policy_validation_and_unknown_tasks() -> None:
    with pytest.raises(ValidationError) as err:
        TaskPolicy(10, 3.0)
    assert err.value.field == "temperature"
    with pytest.raises(NotFoundError) as missing:
        get_task("nope")
    assert missing.value.field == "task"


@given(st.sampled_from(sorted(TASKS)), st.booleans())
def test_route_is_pure_and_complete(name: str, configured: bool) -> None:
    task = get_task(name)
    endpoints = LARGE if configured else []
    first, second = route(task, endpoints), route(task, endpoints)
    assert first == second
    assert first.tier is (
        Tier.SMALL
        if task.kind in {TaskKind.CLASSIFY, TaskKind.EXTRACT, TaskKind.RETRIEVE}
        else Tier.LARGE
    )
    assert set(first.to_dict()) >= {"task", "tier", "engine", "model", "allowed", "reason"}
