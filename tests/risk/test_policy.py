"""Policy rules: knock-outs and refers fire with their codes; row == batch; bad files refused."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.risk.policy import (
    CUSTOMER_FIELDS,
    FieldKind,
    Op,
    Policy,
    PolicyDecision,
    PolicyError,
    code_lists,
    load_policy,
    parse_policy,
)
from puhui.risk.strategy import DEFAULT_STRATEGY_PATH

GOOD: dict[str, Any] = {
    "customer_id": "C0001",
    "age": 30,
    "blacklisted": False,
    "identity_match": 0.97,
    "inquiries_30d": 0,
    "inquiries_90d": 1,
    "overdue_elsewhere": False,
    "monthly_income": 8000.0,
    "monthly_obligations": 500.0,
}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(DEFAULT_STRATEGY_PATH)


def test_a_clean_customer_passes(policy: Policy) -> None:
    result = policy.evaluate(GOOD)
    assert result.decision is PolicyDecision.PASS
    assert result.reason_codes == ()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"age": 17}, "KO-AGE"),
        ({"age": 61}, "KO-AGE"),
        ({"age": None}, "KO-AGE"),
        ({"blacklisted": True}, "KO-BLACKLIST"),
        ({"identity_match": 0.3}, "KO-IDENTITY"),
        ({"identity_match": None}, "KO-IDENTITY"),
        ({"inquiries_30d": 6}, "KO-INQUIRIES-30D"),
        ({"inquiries_90d": 13}, "KO-INQUIRIES-90D"),
        ({"overdue_elsewhere": True}, "KO-OVERDUE-ELSEWHERE"),
    ],
)
def test_knock_outs_decline_with_their_reason_code(
    policy: Policy, change: dict[str, Any], code: str
) -> None:
    row = GOOD | change
    result = policy.evaluate(row)
    assert result.decision is PolicyDecision.DECLINE
    assert result.reason_codes == (code,)
    batch = policy.evaluate_batch(pl.DataFrame([row], schema=_schema()))
    assert batch["policy_decision"][0] == "decline"
    assert batch["policy_reasons"][0].to_list() == [code]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"inquiries_30d": 3}, "RF-INQUIRIES-30D"),
        ({"monthly_income": None}, "RF-INCOME-UNKNOWN"),
        ({"monthly_income": math.nan}, "RF-INCOME-UNKNOWN"),
        ({"monthly_income": 0.0}, "RF-INCOME-UNKNOWN"),
    ],
)
def test_refer_rules(policy: Policy, change: dict[str, Any], code: str) -> None:
    result = policy.evaluate(GOOD | change)
    assert result.decision is PolicyDecision.REFER
    assert result.reason_codes == (code,)


def test_boundaries_do_not_fire(policy: Policy) -> None:
    edge = GOOD | {"age": 18, "inquiries_30d": 2, "inquiries_90d": 12}
    assert policy.evaluate(edge).decision is PolicyDecision.PASS
    assert policy.evaluate(GOOD | {"age": 60}).decision is PolicyDecision.PASS


def test_rule_texts_are_bilingual(policy: Policy) -> None:
    result = policy.evaluate(GOOD | {"blacklisted": True}).to_dict()
    assert result["reasons"][0]["zh"] == "命中黑名单"
    assert result["reasons"][0]["en"] == "Listed on a blacklist"


# -- row == batch on random customers and random rules --------------------------------------
def _schema() -> dict[str, pl.DataType]:
    dtypes = {
        FieldKind.INT: pl.Int64(),
        FieldKind.FLOAT: pl.Float64(),
        FieldKind.BOOL: pl.Boolean(),
        FieldKind.STR: pl.String(),
    }
    return {name: dtypes[kind] for name, kind in CUSTOMER_FIELDS.items()}


def _value(kind: FieldKind) -> st.SearchStrategy[Any]:
    if kind is FieldKind.INT:
        return st.integers(-5, 100)
    if kind is FieldKind.FLOAT:
        return st.one_of(
            st.integers(-100, 20_000).map(float), st.floats(-100, 20_000, allow_nan=False)
        )
    if kind is FieldKind.BOOL:
        return st.booleans()
    return st.sampled_from(["C1", "C2", "C3", "x"])


def _cell(kind: FieldKind) -> st.SearchStrategy[Any]:
    missing: list[Any] = [None, math.nan] if kind is FieldKind.FLOAT else [None]
    return st.one_of(_value(kind), st.sampled_from(missing))


customers = st.fixed_dictionaries({n: _cell(k) for n, k in CUSTOMER_FIELDS.items()})


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(sorted(CUSTOMER_FIELDS)))
    kind = CUSTOMER_FIELDS[name]
    ops = {
        FieldKind.BOOL: ["==", "!=", "is_null", "not_null"],
        FieldKind.STR: ["==", "!=", "in", "not_in", "is_null", "not_null"],
    }.get(kind, [op.value for op in Op])
    op = draw(st.sampled_from(ops))
    if op in ("is_null", "not_null"):
        return {"field": name, "op": op}
    if op in ("in", "not_in"):
        return {
            "field": name,
            "op": op,
            "value": draw(st.lists(_value(kind), min_size=1, max_size=4)),
        }
    return {"field": name, "op": op, "value": draw(_value(kind))}


conditions = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda t: {"all": t}),
        st.lists(inner, min_size=1, max_size=3).map(lambda t: {"any": t}),
    ),
    max_leaves=6,
)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    whens = draw(st.lists(conditions, min_size=1, max_size=5))
    actions = draw(
        st.lists(st.sampled_from(["decline", "refer"]), min_size=len(whens), max_size=len(whens))
    )
    rules = [
        {"code": f"R{i}", "action": a, "zh": "规则", "en": "rule", "when": w}
        for i, (w, a) in enumerate(zip(whens, actions, strict=True))
    ]
    return parse_policy({"name": "random", "version": "1", "rules": rules})


@settings(max_examples=150, deadline=None)
@given(policies(), st.lists(customers, min_size=1, max_size=30))
def test_row_and_batch_agree_on_random_rules_and_customers(
    random_policy: Policy, rows: list[dict[str, Any]]
) -> None:
    frame = pl.DataFrame(rows, schema=_schema())
    batch = random_policy.evaluate_batch(frame)
    masks = code_lists(random_policy.fired_masks(frame), random_policy.codes).to_list()
    for i, row in enumerate(rows):
        result = random_policy.evaluate(row)
        assert batch["policy_reasons"][i].to_list() == list(result.reason_codes), row
        assert batch["policy_decision"][i] == result.decision.value
        assert masks[i] == list(result.reason_codes)


@settings(max_examples=50, deadline=None)
@given(st.lists(customers, min_size=1, max_size=50))
def test_row_and_batch_agree_on_the_default_policy(rows: list[dict[str, Any]]) -> None:
    policy = load_policy(DEFAULT_STRATEGY_PATH)
    batch = policy.evaluate_batch(pl.DataFrame(rows, schema=_schema()))
    for i, row in enumerate(rows):
        assert batch["policy_reasons"][i].to_list() == list(policy.evaluate(row).reason_codes)


# -- bad rule files and bad data --------------------------------------------------------------
def _rule(when: Any, **extra: Any) -> dict[str, Any]:
    return {
        "code": "KO-TEST",
        "action": "decline",
        "zh": "测试",
        "en": "test",
        "when": when,
    } | extra


@pytest.mark.parametrize(
    ("rule", "field", "words"),
    [
        (_rule({"field": "agee", "op": "<", "value": 18}), "agee", ["KO-TEST", "unknown field"]),
        (_rule({"field": "age", "op": "=<", "value": 18}), "age", ["KO-TEST", "operator"]),
        (_rule({"field": "blacklisted", "op": "<", "value": True}), "blacklisted", ["KO-TEST"]),
        (_rule({"field": "age", "op": "<", "value": "18"}), "age", ["KO-TEST", "does not fit"]),
        (_rule({"field": "age", "op": "in", "value": []}), "age", ["KO-TEST", "non-empty"]),
        (_rule({"field": "age", "op": "is_null", "value": 1}), "age", ["takes no value"]),
        (_rule({"field": "age", "op": "<"}), "age", ["needs a value"]),
        (_rule({"field": "age", "op": "<", "value": 1, "valu": 2}), "valu", ["unknown key"]),
        (_rule({"all": []}), "when", ["non-empty"]),
        (_rule({"field": "age", "op": "<", "value": 1}, action="block"), "action", ["decline"]),
        (_rule({"field": "age", "op": "<", "value": 1}, en=""), "en", ["text"]),
    ],
)
def test_bad_rules_are_refused_naming_rule_and_field(
    rule: dict[str, Any], field: str, words: list[str]
) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy({"name": "p", "version": "1", "rules": [rule]})
    assert err.value.field == field
    for word in words:
        assert word in err.value.message


def test_duplicate_codes_are_refused() -> None:
    rule = _rule({"field": "age", "op": "<", "value": 18})
    with pytest.raises(PolicyError, match="used twice"):
        parse_policy({"name": "p", "version": "1", "rules": [rule, rule]})


def test_a_bad_rule_file_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[policy]\nname = "p"\nversion = "1"\n\n[[policy.rules]]\ncode = "KO-INCOME"\n'
        'action = "decline"\nzh = "收入"\nen = "income"\n'
        'when = { field = "monthly_incme", op = "<", value = 1000 }\n',
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    assert err.value.field == "monthly_incme"
    assert "KO-INCOME" in err.value.message


def test_extra_fields_can_be_declared() -> None:
    policy = parse_policy(
        {
            "name": "p",
            "version": "1",
            "fields": {"province": "str"},
            "rules": [_rule({"field": "province", "op": "in", "value": ["XZ"]})],
        }
    )
    assert policy.evaluate({"province": "XZ"}).reason_codes == ("KO-TEST",)
    with pytest.raises(PolicyError) as err:
        parse_policy({"name": "p", "version": "1", "fields": {"province": "text"}})
    assert err.value.field == "province"


def test_missing_field_in_a_customer_is_named(policy: Policy) -> None:
    row = dict(GOOD)
    del row["inquiries_90d"]
    with pytest.raises(PolicyError) as err:
        policy.evaluate(row)
    assert err.value.field == "inquiries_90d"
    with pytest.raises(PolicyError) as err:
        policy.evaluate_batch(pl.DataFrame([row]))
    assert err.value.field == "inquiries_90d"


def test_wrong_column_type_is_named(policy: Policy) -> None:
    frame = pl.DataFrame([GOOD | {"age": "thirty"}])
    with pytest.raises(PolicyError) as err:
        policy.evaluate_batch(frame)
    assert err.value.field == "age"
    with pytest.raises(PolicyError) as err:
        policy.evaluate(GOOD | {"age": "thirty"})
    assert "KO-AGE" in err.value.message


@pytest.mark.parametrize("high_bit", [3, 40])  # a lookup table below 2**22, a sort above
def test_code_lists_turn_masks_into_codes_in_order(high_bit: int) -> None:
    codes = [f"C{i}" for i in range(high_bit + 1)]
    masks = np.array([0, 1, 1 << high_bit | 2, 1, 0, 5], dtype=np.uint64)
    lists = code_lists(masks, codes).to_list()
    assert lists == [[], ["C0"], ["C1", f"C{high_bit}"], ["C0"], [], ["C0", "C2"]]


def test_default_reason_codes_are_stable(policy: Policy) -> None:
    # Reason codes are an interface (audit log, customer letters): renaming one is a change.
    assert policy.codes == (
        "KO-AGE",
        "KO-BLACKLIST",
        "KO-IDENTITY",
        "KO-INQUIRIES-30D",
        "KO-INQUIRIES-90D",
        "KO-OVERDUE-ELSEWHERE",
        "RF-INQUIRIES-30D",
        "RF-INCOME-UNKNOWN",
    )
    assert all(rule.zh.strip() and rule.en.strip() for rule in policy.rules)


def test_policy_fingerprint_follows_content(policy: Policy) -> None:
    data = policy.to_data()
    assert parse_policy(data).fingerprint == policy.fingerprint
    data["rules"][0]["when"]["any"][1]["value"] = 20
    assert parse_policy(data).fingerprint != policy.fingerprint
