"""The frontier as a picture (matplotlib, headless): profit against loss and approval rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_frontier(data: dict[str, Any], path: str | Path) -> Path:
    """Two panels from an optimisation's `to_dict()`; the champion and the best marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trials = data["trials"]
    best = data["best"]["number"] if data["best"] else None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, axis, label in (
        (axes[0], "loss_rate", "loss rate"),
        (axes[1], "approval_rate", "approval rate"),
    ):
        for feasible, colour in ((True, "#5470c6"), (False, "#bbbbbb")):
            xs = [t["summary"][axis] for t in trials if t["feasible"] is feasible]
            ys = [t["summary"]["profit_minor"] / 1e6 for t in trials if t["feasible"] is feasible]
            ax.scatter(xs, ys, s=14, c=colour, label="feasible" if feasible else "infeasible")
        on = {t["number"]: t for t in trials}
        line = [on[n] for n in data["frontiers"][axis]]
        ax.plot(
            [t["summary"][axis] for t in line],
            [t["summary"]["profit_minor"] / 1e6 for t in line],
            c="#ee6666",
            label="frontier",
        )
        for number, marker, name in ((0, "*", "champion"), (best, "D", "best")):
            if number is None:
                continue
            t = on[number]
            ax.scatter(
                t["summary"][axis], t["summary"]["profit_minor"] / 1e6, s=120, marker=marker,
                c="#fac858", edgecolors="black", label=name, zorder=3,
            )  # fmt: skip
        ax.set_xlabel(label)
        ax.set_ylabel("profit (10k yuan)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("The triangle: profit against risk and scale")
    fig.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)
    plt.close(fig)
    return target
