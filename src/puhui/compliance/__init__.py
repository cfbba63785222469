"""Compliance checking (合规质检) of what the bank says: calls, SMS, posters, copy, app messages.

Rules are versioned data (`data/rules.toml`: source, severity, channels, examples); claims are
found by patterns plus a small in-process classifier, so paraphrases no pattern names are
still caught. One entry point, independent of calls:

    from puhui.compliance import check
    for alert in check("保证您百分之百通过", channel="poster"):
        print(alert.rule_id, alert.span, alert.source)
"""

from puhui.compliance.context import Context
from puhui.compliance.engine import Alert, check
from puhui.compliance.rules import CHANNELS, PURPOSES, SEVERITIES, Rule, RuleBook, load_rulebook

__all__ = [
    "CHANNELS",
    "PURPOSES",
    "SEVERITIES",
    "Alert",
    "Context",
    "Rule",
    "RuleBook",
    "check",
    "load_rulebook",
]
