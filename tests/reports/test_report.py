"""The report: HTML evidence, narrative check, audit and regeneration, CLI, PDF through poppler."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from puhui.cli import app
from puhui.db import Database
from puhui.population.business import generate_business
from puhui.reports.narrative import narrative, numbers_in, unsupported_numbers
from puhui.reports.render import show
from puhui.reports.store import Built, build, get_report, list_reports, record, regenerate


def _files(seed: int, **kw: Any) -> tuple[bytes, bytes]:
    case = generate_business(seed, **kw)
    return json.dumps(case.applicant, ensure_ascii=False).encode(), case.statement_csv().encode()


@pytest.fixture(scope="module")
def built() -> Built:
    applicant, statement = _files(4, months=12, signs=("round_tripping", "cash_withdrawals"))
    return build(applicant, statement, "zh")


def _evidence(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="evidence">(.*?)</script>', html, re.S)
    assert match
    data: dict[str, Any] = json.loads(match.group(1).replace("<\\/", "</"))
    return data


def test_every_figure_with_rows_links_to_them(built: Built) -> None:
    html = built.html
    evidence = _evidence(html)
    linked = set(re.findall(r'data-fact="([^"]+)"', html))
    with_rows = {fid for fid, f in built.analysis.facts.items() if f.rows}
    assert {f"revenue.{m}" for m in built.analysis.months} <= linked  # the chart's bars
    for fid in linked & with_rows:
        assert evidence["facts"][fid] == list(built.analysis.facts[fid].rows)
        assert all(r in evidence["rows"] for r in evidence["facts"][fid])
    for i, flag in enumerate(built.analysis.flags):
        assert evidence["facts"][f"flag.{i}"] == flag["rows"] and flag["rows"]
    assert 'id="ev-customer.top_share"' in html  # the evidence table at the end
    assert "模板生成" in html and "http" not in html.replace("http://www.w3.org/2000/svg", "")


def test_same_inputs_same_bytes_and_languages_differ(built: Built) -> None:
    applicant, statement = _files(4, months=12, signs=("round_tripping", "cash_withdrawals"))
    again = build(applicant, statement, "zh")
    assert again.html == built.html and again.report_id == built.report_id
    english = build(applicant, statement, "en")
    assert english.report_id != built.report_id and "Red flags" in english.html


def test_the_narrative_check_rejects_invented_numbers(built: Built) -> None:
    facts = "- revenue: ¥1,234,567\n- coverage: 1.49×"
    assert numbers_in("营业收入¥1,234,567，覆盖率1.49倍。") == {"1234567", "1.49"}
    assert unsupported_numbers("revenue ¥1,234,567 and coverage 1.49", facts) == []
    assert unsupported_numbers("revenue grew 35% to ¥1,234,567", facts) == ["35"]

    a = built.analysis

    def gateway(answer: str) -> Any:
        result = SimpleNamespace(text=answer, call_id="call-1")
        return SimpleNamespace(client=object(), run=lambda task, text, caller: result)

    template = narrative(a, "en", show)
    assert template["source"] == "template"
    for number in numbers_in(template["text"]):  # the template itself passes the check
        assert number in numbers_in(_all_facts_text(built))
    honest = f"Average monthly revenue is {show(a.facts['revenue.avg'], 'en')}."
    assert narrative(a, "en", show, gateway(honest)) == {
        "text": honest,
        "source": "generated",
        "note": "call-1",
    }
    invented = narrative(a, "en", show, gateway("Revenue will grow 42% next year."))
    assert invented["source"] == "template" and "42" in invented["note"]


def _all_facts_text(built: Built) -> str:
    return " ".join(show(f, "en") for f in built.analysis.facts.values())


def test_recorded_report_regenerates_identically_and_the_audit_is_append_only(
    built: Built, tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    entry = record(db, built, actor="test", fmt="html", created_at="2026-12-04T00:00:00+00:00")
    listed = list_reports(db)
    assert [r["entry_id"] for r in listed] == [entry]
    assert listed[0]["applicant_sha256"] == built.applicant_sha256
    assert listed[0]["flags"] == [f["code"] for f in built.analysis.flags]
    again, identical = regenerate(db, entry)
    assert identical and again.html.encode() == built.html.encode()
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE report_audit SET grade = 'A'")
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM report_audit")
    assert get_report(db, entry)["html_sha256"] == built.html_sha256


def test_cli_writes_reports_and_names_bad_fields(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("PUHUI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()
    made = runner.invoke(app, ["report", "sample", "--out-dir", str(tmp_path), "--seed", "5",
                               "--months", "12", "--signs", "debt_growth", "--json"])  # fmt: skip
    assert made.exit_code == 0, made.output
    files = json.loads(made.output)
    out = tmp_path / "r.html"
    run = runner.invoke(app, ["report", "due-diligence", "--applicant", files["applicant"],
                              "--statement", files["statement"], "--lang", "en", "--out",
                              str(out), "--json"])  # fmt: skip
    assert run.exit_code == 0, run.output
    summary = json.loads(run.output)
    assert "debt_growth" in summary["flags"] and out.read_bytes().startswith(b"<!DOCTYPE html>")
    regen = runner.invoke(app, ["report", "regenerate", summary["entry_id"], "--json"])
    assert regen.exit_code == 0 and json.loads(regen.output)["identical"] is True

    data = json.loads(Path(files["applicant"]).read_text(encoding="utf-8"))
    data["uscc"] = data["uscc"][:17] + ("0" if data["uscc"][17] != "0" else "1")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    failed = runner.invoke(app, ["report", "due-diligence", "--applicant", str(bad),
                                 "--statement", files["statement"], "--out",
                                 str(tmp_path / "x.html"), "--json"])  # fmt: skip
    assert failed.exit_code != 0 and "uscc" in failed.output
    assert not (tmp_path / "x.html").exists()


def _ppm_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P6"
    return int(parts[1]), int(parts[2]), parts[4]


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils: run `make browser`")
def test_pdf_opens_and_the_chart_drew(built: Built, tmp_path: Path) -> None:
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(built.output("pdf"))
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "p")],
                   check=True)  # fmt: skip
    pages = sorted(tmp_path.glob("p-*.ppm"))
    assert len(pages) == 3
    grey_bars = 0
    for page in pages:
        width, height, pixels = _ppm_pixels(page)
        assert width > 200 and height > 200
        ink = sum(1 for i in range(0, len(pixels), 3) if pixels[i] < 200)
        assert ink > 500, page  # the page is not blank
        exact = [  # the expense bars' grey, to within 3 levels: text antialiasing is not
            i
            for i in range(0, len(pixels), 3)
            if abs(pixels[i] - 0xAA) <= 3
            and abs(pixels[i + 1] - 0xB7) <= 3
            and abs(pixels[i + 2] - 0xB8) <= 3
        ]
        grey_bars = max(grey_bars, len(exact))
    assert grey_bars > 1000  # the monthly chart's expense bars (a blank chart leaves < 10)


def test_yuan_rounds_half_even_and_puts_the_sign_first() -> None:
    from puhui.reports.render import yuan

    assert [yuan(v) for v in (123456850, 50, 150, -1877600, 0)] == [
        "¥1,234,568", "¥0", "¥2", "-¥18,776", "¥0",
    ]  # fmt: skip


def test_owner_credit_comes_from_the_decision_audit(tmp_path: Path) -> None:
    from puhui.governance import audit

    db = Database(f"sqlite:///{tmp_path / 'bank.db'}")
    audit.create_audit_tables(db)

    def decide(n: int, pd: float, score: int) -> None:
        entry = audit.AuditEntry(
            decision_id=f"dec-{n}", application_id=f"app-{n}", customer_id="C000000042",
            decided_at=f"2026-11-0{n}T10:00:00+00:00", inputs_sha256="x", features={},
            strategy_version="s1", model_version="m-test", arm="champion", outcome="approve",
            pd=pd, score=score, limit_minor=0, nominal_rate=None, currency="CNY",
            rules_fired=[], reasons=[], outputs={},
        )  # fmt: skip
        with db.tx():
            audit.record(db, entry)

    decide(1, 0.05, 610)
    decide(2, 0.21, 540)  # the latest decision is the one used
    case = generate_business(13, months=12)
    data = {**case.applicant, "owner_credit": {"customer_id": "C000000042"}}
    built = build(json.dumps(data, ensure_ascii=False), case.statement_csv(), "en", db=db)
    assert built.analysis.applicant.owner_pd == 0.21
    assert built.analysis.value("owner.score") == 540
    assert built.applicant_data["owner_credit"]["decision_id"] == "dec-2"
    assert built.analysis.grade["features"]["owner_pd"] == 0.21
    assert 'id="owner-score"' in built.html and "personal risk model, latest decision" in built.html
    # regenerated after the owner is decided again: the recorded figures, the same bytes
    entry = record(db, built, actor="test", fmt="html", created_at="2026-12-04T00:00:00+00:00")
    decide(3, 0.02, 700)
    again, identical = regenerate(db, entry)
    assert identical and again.analysis.applicant.owner_pd == 0.21
    unknown = {**case.applicant, "owner_credit": {"customer_id": "C404"}}
    alone = build(json.dumps(unknown, ensure_ascii=False), case.statement_csv(), "en", db=db)
    assert alone.applicant_data["owner_credit"]["source"] == "no decision in the audit"
    assert alone.analysis.applicant.owner_pd is None
