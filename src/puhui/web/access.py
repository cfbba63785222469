"""Which role sees which console page, and how customer data is masked for the others.

- agents serve customers: dashboard, customers, loans and the decisions behind them;
- risk analysts govern models: dashboard, decision audit, models and ledger aggregates, with
  customer identifiers masked and no customer or loan pages;
- approvers (the checkers of maker-checker) see models and AI governance, and approve there;
- QA supervisors review calls: the dashboard, decisions (masked) and every agent-assist call;
- agents run their own calls on the agent-assist page;
- operators see everything but the call pages; admins see everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from puhui.api.keys import Role

PAGES: Mapping[str, frozenset[Role]] = {
    "dashboard": frozenset(Role),
    "customers": frozenset({Role.AGENT, Role.OPERATOR, Role.ADMIN}),
    "loans": frozenset({Role.AGENT, Role.OPERATOR, Role.ADMIN}),
    "decisions": frozenset(Role),
    "models": frozenset({Role.RISK_ANALYST, Role.APPROVER, Role.OPERATOR, Role.ADMIN}),
    "governance": frozenset({Role.RISK_ANALYST, Role.APPROVER, Role.OPERATOR, Role.ADMIN}),
    "ledger": frozenset({Role.RISK_ANALYST, Role.OPERATOR, Role.ADMIN}),
    "triangle": frozenset({Role.RISK_ANALYST, Role.OPERATOR, Role.ADMIN}),
    "marketing": frozenset({Role.RISK_ANALYST, Role.OPERATOR, Role.ADMIN}),
    # agent assist: agents run calls; QA supervisors review every call
    "assist": frozenset({Role.AGENT, Role.ADMIN}),
    "qa": frozenset({Role.QA_SUPERVISOR, Role.ADMIN}),
    # due-diligence reports: risk analysts write them
    "reports": frozenset({Role.RISK_ANALYST, Role.ADMIN}),
    # creation platform: operators make, approvers check
    "studio": frozenset({Role.OPERATOR, Role.APPROVER, Role.ADMIN}),
}

#: Feature names that identify a person directly; masked for roles without customer access.
_PII_NAME = re.compile(r"(name|phone|mobile|email|address|id_number|id_card|passport|birth)")


def may_see(role: Role, page: str) -> bool:
    return role in PAGES[page]


def sees_customers(role: Role) -> bool:
    return may_see(role, "customers")


def mask_id(value: str) -> str:
    """Keep enough to tell rows apart on one screen, not enough to find the person."""
    if len(value) <= 4:
        return "***"
    return f"{value[:1]}***{value[-2:]}"


def mask_decision(decision: Mapping[str, Any], role: Role) -> dict[str, Any]:
    """The decision as `role` may see it: identifiers and direct PII masked when needed."""
    shown = dict(decision)
    if sees_customers(role):
        return shown
    shown["customer_id"] = mask_id(str(decision["customer_id"]))
    shown["application_id"] = mask_id(str(decision["application_id"]))
    shown["features"] = {
        k: ("***" if _PII_NAME.search(k.lower()) else v)
        for k, v in dict(decision.get("features") or {}).items()
    }
    return shown
