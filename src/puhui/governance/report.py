"""The validation report as one self-contained HTML file (plots inline as SVG), and as PDF.

Nothing is fetched: the plots are drawn by matplotlib into the page, the styles are inline.
The PDF is WeasyPrint's rendering of the same HTML (offline; an optional dependency).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: draw to files only

import matplotlib.pyplot as plt
from jinja2 import Environment, FileSystemLoader, select_autoescape

from puhui.errors import ValidationError
from puhui.governance.thresholds import Thresholds

_TEMPLATES = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(["html"]),
)
RED, BLUE, GREY = "#c0392b", "#2e86c1", "#7f8c8d"


def _svg(draw: Callable[[Any], None], height: float = 3.2) -> str:
    figure, axes = plt.subplots(figsize=(5.4, height))
    try:
        draw(axes)
        figure.tight_layout()
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg")
    finally:
        plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _roc(result: Mapping[str, Any]) -> Callable[[Any], None]:
    def draw(ax: Any) -> None:
        for ranking, label, colour in (
            (result["discrimination"], "this model", RED),
            (result["challenger"], "challenger", BLUE),
        ):
            xs, ys = zip(*ranking["roc"], strict=True)
            ax.plot(xs, ys, color=colour, label=f"{label} (AUC {ranking['auc']:.3f})")
        ax.plot([0, 1], [0, 1], color=GREY, linestyle="--", linewidth=0.8)
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate")
        ax.set_title("ROC")
        ax.legend(loc="lower right", fontsize=8)

    return draw


def _calibration(result: Mapping[str, Any]) -> Callable[[Any], None]:
    def draw(ax: Any) -> None:
        rows = result["calibration"]
        xs = [r["mean_pd"] for r in rows]
        ys = [r["bad_rate"] for r in rows]
        top = max([*xs, *ys, 0.01])
        ax.plot([0, top], [0, top], color=GREY, linestyle="--", linewidth=0.8)
        ax.plot(xs, ys, marker="o", color=RED)
        ax.set_xlabel("mean predicted PD (decile)")
        ax.set_ylabel("observed bad rate")
        ax.set_title("Calibration by decile")

    return draw


def _bars(
    values: Mapping[str, float], title: str, line: float | None = None, percent: bool = False
) -> Callable[[Any], None]:
    def draw(ax: Any) -> None:
        names = list(values)[::-1]
        ax.barh(names, [values[n] for n in names], color=BLUE)
        if line is not None:
            ax.axvline(line, color=RED, linestyle="--", linewidth=0.8)
        if percent:
            ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(title)

    return draw


def plots(result: Mapping[str, Any], thresholds: Thresholds) -> dict[str, str]:
    drawn = {
        "roc": _svg(_roc(result)),
        "calibration": _svg(_calibration(result)),
        "sensitivity": _svg(
            _bars(
                {s["feature"]: s["max_flip_share"] for s in result["sensitivity"][:15]},
                "Share of decisions changed by one feature",
                percent=True,
            ),
            height=4.0,
        ),
        "csi": "",
        "fairness": "",
    }
    if result.get("csi"):
        drawn["csi"] = _svg(
            _bars(result["csi"], "CSI by feature (amber line)", thresholds["csi"].amber),
            height=max(3.0, 0.18 * len(result["csi"])),
        )
    groups = {
        f"{f['attribute']}={g['group']}": g["selection_rate"]
        for f in result.get("fairness") or []
        for g in f["groups"]
    }
    if groups:
        drawn["fairness"] = _svg(_bars(groups, "Approval rate by group", percent=True), height=2.4)
    return drawn


def render_html(result: Mapping[str, Any], thresholds: Thresholds, *, actor: str, at: str) -> str:
    """The whole report as one HTML document."""
    template = _TEMPLATES.get_template("validation_report.html")
    return template.render(
        r=result,
        plots=plots(result, thresholds),
        actor=actor,
        at=at,
        pct=lambda v: "" if v is None else f"{v:.2%}",
        f4=lambda v: "—" if v is None else f"{v:.4f}",
        level=lambda metric, value: thresholds[metric].level(value),
    )


def render_pdf(html: str) -> bytes:
    """The report as PDF (WeasyPrint, offline: the HTML references nothing outside itself)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: Pango missing
        raise ValidationError(
            f"PDF needs WeasyPrint and Pango ({error}); write .html instead or "
            "`pip install 'puhui[pdf]'`",
            field="out",
        ) from None
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
