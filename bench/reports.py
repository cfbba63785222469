"""Due-diligence reports: red-flag recall and false alarms per sign, the grade model's AUC, and
the time to analyse and render a 24-month, ~5,000-row statement.

`python -m bench bench.reports` (PUHUI_BENCH_REPORTS_APPLICANTS sets the number of generated
applicants, default 500; each sign is planted in about 30% of them, independently). Signs are
planted "clear" (the targets) and "subtle" (around the thresholds, to show where detection
stops). Targets (issue 17): recall >= 0.9 at a false-alarm rate <= 0.1 per sign; analysis +
HTML < 3 s.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter

from bench.machine import info, load
from puhui.population.business import SIGNS, generate_business
from puhui.reports.analysis import analyse
from puhui.reports.applicant import parse_applicant
from puhui.reports.grade import _model
from puhui.reports.statement import read_statement
from puhui.reports.store import build


def flags(n: int, intensity: str = "clear") -> dict[str, dict[str, float]]:
    """Per sign: planted count, recall and false-alarm rate (printed, and returned)."""
    hit, miss, false_alarm, quiet = Counter(), Counter(), Counter(), Counter()
    for i in range(n):
        # seeds far from the grade model's training seeds (0..1199) and its holdout (1,000,000+)
        case = generate_business(
            500_000 + i, months=12 + i % 13, sign_rate=0.3, intensity=intensity
        )
        a = analyse(parse_applicant(case.applicant), read_statement(case.statement_csv()))
        raised = {f["code"] for f in a.flags}
        for sign in SIGNS:
            planted, found = sign in case.planted, sign in raised
            (hit if planted and found else miss if planted else false_alarm if found else quiet)[
                sign
            ] += 1
    print(
        f"reports: red flags on {n} generated applicants, {intensity} signs "
        "(12-24 months, each sign planted in ~30%)"
    )
    print(f"  {'sign':<18} {'planted':>7} {'recall':>7} {'false alarm':>12}")
    figures: dict[str, dict[str, float]] = {}
    for sign in SIGNS:
        planted = hit[sign] + miss[sign]
        clean = false_alarm[sign] + quiet[sign]
        recall = hit[sign] / planted if planted else float("nan")
        alarm = false_alarm[sign] / clean if clean else float("nan")
        print(f"  {sign:<18} {planted:>7} {recall:>7.3f} {alarm:>12.3f}")
        figures[sign] = {"planted": planted, "recall": recall, "false_alarm": alarm}
    return figures


def timing() -> None:
    case = generate_business(7, months=24, txns_per_month=236, signs=("round_tripping",))
    applicant = json.dumps(case.applicant, ensure_ascii=False).encode()
    statement = case.statement_csv().encode()
    build(applicant, statement, "zh")  # warm: templates compiled, rules and model loaded
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        built = build(applicant, statement, "zh")
        runs.append(time.perf_counter() - started)
    rows = len(built.analysis.rows)
    print(
        f"reports: read + analyse + render HTML, 24 months, {rows:,} rows: median "
        f"{statistics.median(runs):.3f} s (min {min(runs):.3f}, max {max(runs):.3f}); "
        f"HTML {len(built.html) / 1e6:.2f} MB"
    )
    started = time.perf_counter()
    pdf = built.output("pdf")
    print(
        f"reports: PDF (WeasyPrint) {time.perf_counter() - started:.1f} s, {len(pdf) / 1e6:.2f} MB"
    )


def main() -> None:
    print("machine:", info(), "load:", load())
    trained = _model()["trained_on"]
    print(
        f"reports: grade model {_model()['version']}: holdout AUC {trained['holdout_auc']} on "
        f"{trained['holdout_applicants']} applicants (bad rate {trained['bad_rate']})"
    )
    timing()
    n = int(os.environ.get("PUHUI_BENCH_REPORTS_APPLICANTS", "500"))
    flags(n, "clear")
    flags(n, "subtle")  # around the thresholds: where detection stops
    print("load after:", load())


if __name__ == "__main__":
    main()
