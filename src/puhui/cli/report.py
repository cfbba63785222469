"""`puhui report ...`: due-diligence reports for small-business credit (尽职调查报告)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from puhui.cli.common import JSON
from puhui.errors import ValidationError
from puhui.output import err_console, print_json, print_table

app = typer.Typer(
    help="Due-diligence reports for small-business credit (小微企业尽职调查报告).",
    no_args_is_help=True,
)


def _db() -> object:
    from puhui.db import Database
    from puhui.settings import get_settings

    url = get_settings().database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return Database(url)


def _read(path: Path, field: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ValidationError(f"cannot read {path}: {error.strerror}", field=field) from None


@app.command("due-diligence")
def due_diligence(
    applicant: Path = typer.Option(..., "--applicant", help="Applicant file (JSON)."),
    statement: Path = typer.Option(..., "--statement", help="Bank statement (CSV as exported)."),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    out: Path = typer.Option(..., "--out", help="report.html, report.pdf or report.json."),
    large_model: bool = typer.Option(
        False, "--narrative-llm", help="Draft the narrative with the configured large model."
    ),
    embeddings: bool = typer.Option(
        False, "--embeddings", help="Categorise rows no rule knows with the embeddings (~5 s)."
    ),
    record: bool = typer.Option(True, "--record/--no-record", help="Record in the audit."),
    json_output: bool = JSON,
) -> None:
    """Analyse an applicant's statement and write the report (生成尽职调查报告)."""
    from puhui.reports.store import build
    from puhui.reports.store import record as record_report

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("html", "pdf", "json"):
        raise ValidationError("--out must end in .html, .pdf or .json", field="out")
    gateway = None
    if large_model:
        from puhui.ai.gateway import open_gateway

        gateway = open_gateway()
    built = build(
        _read(applicant, "applicant"),
        _read(statement, "statement"),
        lang,
        gateway=gateway,
        embeddings=embeddings,
        db=_db() if record else None,  # type: ignore[arg-type]
    )
    if fmt == "pdf" and not json_output:  # WeasyPrint takes seconds: say so
        with err_console.status("rendering the PDF (WeasyPrint)…"):
            data = built.output(fmt)
    else:
        data = built.output(fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    entry_id = ""
    if record:
        entry_id = record_report(
            _db(),  # type: ignore[arg-type]
            built,
            actor="cli",
            fmt=fmt,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    a = built.analysis
    summary = {
        "out": str(out),
        "bytes": len(data),
        "report_id": built.report_id,
        "entry_id": entry_id,
        "grade": a.grade["grade"],
        "pd": a.grade["pd"],
        "flags": [f["code"] for f in a.flags],
        "dscr": a.value("dscr"),
        "html_sha256": built.html_sha256,
        "narrative": built.narrative["source"],
    }
    if json_output:
        print_json(summary)
    else:
        print_table("Due diligence 尽职调查", ["field 字段", "value 值"], list(summary.items()))


@app.command("sample")
def sample(
    out_dir: Path = typer.Option(Path("."), "--out-dir", help="Folder for the two files."),
    seed: int = typer.Option(1, "--seed", help="The same seed gives the same applicant."),
    months: int = typer.Option(24, "--months", help="Months of statement (12-60)."),
    signs: str = typer.Option(
        "",
        "--signs",
        help="Warning signs to plant, comma separated (default: none). "
        "concentration, declining_revenue, round_tripping, cash_withdrawals, debt_growth",
    ),
    json_output: bool = JSON,
) -> None:
    """Write a generated applicant (JSON) and its bank statement (CSV) (生成示例申请人)."""
    from puhui.population.business import generate_business

    wanted = tuple(s.strip() for s in signs.split(",") if s.strip())
    case = generate_business(seed, months=months, signs=wanted)
    out_dir.mkdir(parents=True, exist_ok=True)
    applicant_path = out_dir / f"applicant-{seed}.json"
    statement_path = out_dir / f"statement-{seed}.csv"
    applicant_path.write_text(
        json.dumps(case.applicant, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    statement_path.write_text(case.statement_csv(), encoding="utf-8")
    summary = {
        "applicant": str(applicant_path),
        "statement": str(statement_path),
        "transactions": len(case.transactions),
        "planted": sorted(case.planted),
    }
    if json_output:
        print_json(summary)
    else:
        print_table("Sample 示例", ["field 字段", "value 值"], list(summary.items()))


@app.command("list")
def list_command(
    limit: int = typer.Option(50, "--limit", help="Most recent first."), json_output: bool = JSON
) -> None:
    """Reports recorded in the audit (报告记录)."""
    from puhui.reports.store import list_reports

    rows = list_reports(_db(), limit)  # type: ignore[arg-type]
    if json_output:
        print_json(rows)
        return
    print_table(
        "Reports 报告",
        ["entry", "created", "applicant", "grade", "flags", "report id"],
        [(r["entry_id"][:12], r["created_at"], r["applicant_name"], r["grade"],
          ",".join(r["flags"]), r["report_id"]) for r in rows],
    )  # fmt: skip


@app.command("regenerate")
def regenerate_command(
    entry_id: str = typer.Argument(..., help="Entry id from `puhui report list`."),
    out: Path | None = typer.Option(None, "--out", help="Write the HTML here."),
    json_output: bool = JSON,
) -> None:
    """Rebuild a recorded report from its stored inputs and check it is identical (复现报告)."""
    from puhui.reports.store import regenerate

    built, identical = regenerate(_db(), entry_id)  # type: ignore[arg-type]
    if out is not None:
        out.write_text(built.html, encoding="utf-8")
    summary = {"entry_id": entry_id, "report_id": built.report_id, "identical": identical,
               "html_sha256": built.html_sha256}  # fmt: skip
    if json_output:
        print_json(summary)
    else:
        print_table("Regenerated 复现", ["field 字段", "value 值"], list(summary.items()))
    if not identical:
        raise typer.Exit(1)
