"""The risk-profit-scale frontier: candidates no other candidate beats on both axes.

Two views of the triangle: profit against loss rate (more profit, less loss) and profit
against approval rate (more profit, more customers served). A point is on a frontier when no
other feasible point is at least as good on both of its axes and better on one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    """One evaluated strategy, by the figures the frontier plots."""

    number: int
    profit_minor: int
    loss_rate: float
    approval_rate: float
    feasible: bool


def frontier(points: Sequence[Point], against: str) -> list[int]:
    """Numbers of the feasible points on the frontier of profit against `against`
    (`loss_rate`: lower is better; `approval_rate`: higher is better), by increasing x."""
    if against not in ("loss_rate", "approval_rate"):
        raise ValueError("against must be loss_rate or approval_rate")
    sign = -1.0 if against == "loss_rate" else 1.0
    feasible = [p for p in points if p.feasible]

    def dominated(p: Point) -> bool:
        px = sign * getattr(p, against)
        for q in feasible:
            qx = sign * getattr(q, against)
            at_least = q is not p and qx >= px and q.profit_minor >= p.profit_minor
            if at_least and (qx > px or q.profit_minor > p.profit_minor):
                return True
        return False

    kept = [p for p in feasible if not dominated(p)]
    return [p.number for p in sorted(kept, key=lambda p: getattr(p, against))]


def best_at_most(points: Sequence[Point], loss_rate: float) -> Point | None:
    """The most profitable feasible point whose loss rate is at most `loss_rate`."""
    eligible = [p for p in points if p.feasible and p.loss_rate <= loss_rate]
    return max(eligible, key=lambda p: p.profit_minor, default=None)
