"""The cost meter: what each kind of work costs on this machine, in yuan per account-year.

`measure` runs a small real workload (pre-approval, decisions, drawdowns, repayments, close
of business) through the platform's own code on a throwaway database and meters the CPU and
the bytes stored; `ai_usage` reads the model calls from the gateway's audit; `report` turns
both into yuan per account-year with the unit prices and workload in `prices.toml`, and
projects them to the seed's scale (420M accounts, 1.4B transactions on the peak day).
"""

from puhui.cost.meter import Measured, ai_usage, measure
from puhui.cost.prices import CostInputs, load_inputs
from puhui.cost.report import CostReport, build_report, latest_report, save_report

__all__ = [
    "CostInputs",
    "CostReport",
    "Measured",
    "ai_usage",
    "build_report",
    "latest_report",
    "load_inputs",
    "measure",
    "save_report",
]
