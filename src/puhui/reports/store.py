"""Building a report from its input files, and the append-only audit of every report made.

`build` reads the applicant file and the statement, analyses, writes the narrative and renders
HTML (and PDF). Its `report_id` is the fingerprint of what the report depends on: the
applicant's JSON, the parsed statement rows, the language, and the versions of the engine, the
category rules and the grade model. `record` writes one `report_audit` row holding the input
fingerprints and the inputs themselves (and the narrative, which a large model may not repeat),
so `regenerate` makes the same HTML again, byte for byte, and proves it by its sha256. The
database refuses UPDATE and DELETE on the table, as it does for the decision audit.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from puhui.db import Database
from puhui.errors import NotFoundError, ValidationError
from puhui.fingerprint import canonical, fingerprint
from puhui.reports.analysis import ENGINE_VERSION, Analysis, analyse
from puhui.reports.applicant import parse_applicant, read_applicant
from puhui.reports.categorise import rulebook
from puhui.reports.grade import _model
from puhui.reports.narrative import narrative as write_narrative
from puhui.reports.owner import resolve_owner_credit
from puhui.reports.render import LANGS, render_html, render_pdf, show
from puhui.reports.statement import Transaction, read_statement

if TYPE_CHECKING:
    from puhui.ai.gateway import Gateway

FORMATS = ("html", "pdf", "json")

DDL = """
CREATE TABLE IF NOT EXISTS report_audit (
    entry_id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    uscc TEXT NOT NULL,
    lang TEXT NOT NULL,
    format TEXT NOT NULL,
    applicant_sha256 TEXT NOT NULL,
    statement_sha256 TEXT NOT NULL,
    versions_json TEXT NOT NULL,
    grade TEXT NOT NULL,
    pd DOUBLE PRECISION NOT NULL,
    flags_json TEXT NOT NULL,
    html_sha256 TEXT NOT NULL,
    narrative_source TEXT NOT NULL,
    narrative_text TEXT NOT NULL,
    applicant_json TEXT NOT NULL,
    statement_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS report_audit_time ON report_audit (created_at);
CREATE INDEX IF NOT EXISTS report_audit_uscc ON report_audit (uscc, created_at)
"""
DDL_SQLITE = """
CREATE TRIGGER IF NOT EXISTS report_audit_no_update BEFORE UPDATE ON report_audit
BEGIN SELECT RAISE(ABORT, 'report_audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS report_audit_no_delete BEFORE DELETE ON report_audit
BEGIN SELECT RAISE(ABORT, 'report_audit is append-only'); END
"""
DDL_POSTGRES = """
CREATE OR REPLACE FUNCTION report_audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'report_audit is append-only'; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS report_audit_append_only ON report_audit;
CREATE TRIGGER report_audit_append_only BEFORE UPDATE OR DELETE ON report_audit
FOR EACH ROW EXECUTE FUNCTION report_audit_append_only()
"""
LOCK_KEY = 7345117


def create_report_tables(db: Database) -> None:
    db.create_tables(DDL, LOCK_KEY)
    if db.dialect == "sqlite":
        db.conn.executescript(DDL_SQLITE)
    else:
        with db.tx():
            db.conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            db.conn.execute(DDL_POSTGRES)


@dataclass
class Built:
    analysis: Analysis
    report_id: str
    lang: str
    html: str
    applicant_data: dict[str, Any]
    statement_text: str
    applicant_sha256: str
    statement_sha256: str
    narrative: dict[str, Any]
    embeddings: bool = False

    @property
    def html_sha256(self) -> str:
        return hashlib.sha256(self.html.encode("utf-8")).hexdigest()

    def versions(self) -> dict[str, str]:
        return _versions(self.embeddings)

    def output(self, fmt: str) -> bytes:
        if fmt == "html":
            return self.html.encode("utf-8")
        if fmt == "pdf":
            return render_pdf(self.html)
        if fmt == "json":
            return json.dumps(self.to_dict(), ensure_ascii=False, indent=2).encode("utf-8")
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}", field="format")

    def to_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "lang": self.lang,
            "inputs": {"applicant_sha256": self.applicant_sha256,
                       "statement_sha256": self.statement_sha256},
            "versions": self.versions(),
            "html_sha256": self.html_sha256,
            "narrative": self.narrative,
            **self.analysis.to_dict(),
        }  # fmt: skip


def _statement_fingerprint(rows: list[Transaction]) -> str:
    return fingerprint(
        [[t.id, t.date, t.amount, t.balance, t.counterparty, t.account, t.memo] for t in rows]
    )


def build(
    applicant_raw: bytes | str,
    statement_raw: bytes | str,
    lang: str = "zh",
    *,
    gateway: Gateway | None = None,
    narrative: dict[str, Any] | None = None,
    embeddings: bool = False,
    db: Database | None = None,
) -> Built:
    """Analyse and render. `narrative` given (a regeneration) is used as it was recorded; with
    `db`, the owner's credit is looked up in the decision audit (`owner.py`)."""
    if lang not in LANGS:
        raise ValidationError(f"lang must be one of {', '.join(LANGS)}", field="lang")
    applicant, data = read_applicant(applicant_raw)
    if db is not None:  # the owner's PD from the decision audit, fixed into the inputs
        data = resolve_owner_credit(db, data)
        applicant = parse_applicant(data)
    rows = read_statement(statement_raw)
    analysis = analyse(applicant, rows, embeddings=embeddings)
    applicant_sha = fingerprint(data)
    statement_sha = _statement_fingerprint(rows)
    versions = _versions(embeddings)
    report_id = fingerprint(
        {"applicant": applicant_sha, "statement": statement_sha, "lang": lang, **versions}
    )[:24]
    story = narrative or write_narrative(analysis, lang, show, gateway)
    html = render_html(analysis, lang, report_id=report_id, narrative=story)
    statement_text = statement_raw if isinstance(statement_raw, str) else _decode(statement_raw)
    return Built(
        analysis, report_id, lang, html, data, statement_text, applicant_sha, statement_sha,
        story, embeddings,
    )  # fmt: skip


def _versions(embeddings: bool) -> dict[str, str]:
    """What a report's content depends on besides its inputs."""
    from puhui.ai.embeddings import EMBEDDING_MODEL

    return {
        "engine": ENGINE_VERSION,
        "rules": rulebook().version,
        "model": _model()["version"],
        "embeddings": EMBEDDING_MODEL if embeddings else "off",
    }


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("the statement is neither UTF-8 nor GB18030 text", field="statement")


def new_entry_id() -> str:
    return os.urandom(16).hex()


def record(db: Database, built: Built, *, actor: str, fmt: str, created_at: str) -> str:
    """Append the report to `report_audit`; returns the entry id."""
    create_report_tables(db)
    entry_id = new_entry_id()
    a = built.analysis
    with db.tx():
        db.execute(
            "INSERT INTO report_audit (entry_id, report_id, created_at, actor, applicant_name, "
            "uscc, lang, format, applicant_sha256, statement_sha256, versions_json, grade, pd, "
            "flags_json, html_sha256, narrative_source, narrative_text, applicant_json, "
            "statement_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                entry_id, built.report_id, created_at, actor, a.applicant.name, a.applicant.uscc,
                built.lang, fmt, built.applicant_sha256, built.statement_sha256,
                canonical(built.versions()), a.grade["grade"], float(a.grade["pd"]),
                canonical([f["code"] for f in a.flags]), built.html_sha256,
                built.narrative["source"], built.narrative["text"],
                json.dumps(built.applicant_data, ensure_ascii=False, sort_keys=True),
                built.statement_text,
            ),
        )  # fmt: skip
    return entry_id


_LIST = (
    "entry_id, report_id, created_at, actor, applicant_name, uscc, lang, format, "
    "applicant_sha256, statement_sha256, versions_json, grade, pd, flags_json, html_sha256, "
    "narrative_source"
)


def _summary(row: Any) -> dict[str, Any]:
    keys = [k.strip() for k in _LIST.split(",")]
    out = dict(zip(keys, row, strict=True))
    out["versions"] = json.loads(out.pop("versions_json"))
    out["flags"] = json.loads(out.pop("flags_json"))
    return out


def list_reports(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    create_report_tables(db)
    rows = db.all(f"SELECT {_LIST} FROM report_audit ORDER BY created_at DESC, entry_id LIMIT ?",
                  (limit,))  # fmt: skip
    return [_summary(r) for r in rows]


def get_report(db: Database, entry_id: str) -> dict[str, Any]:
    create_report_tables(db)
    row = db.one(
        f"SELECT {_LIST}, narrative_text, applicant_json, statement_text FROM report_audit "
        "WHERE entry_id = ?",
        (entry_id,),
    )
    if row is None:
        raise NotFoundError(f"no report {entry_id}", field="entry_id")
    out = _summary(row[:-3])
    out["narrative_text"], out["applicant_json"], out["statement_text"] = row[-3:]
    return out


def regenerate(db: Database, entry_id: str) -> tuple[Built, bool]:
    """Build the recorded report again from its stored inputs; True when the HTML is identical."""
    entry = get_report(db, entry_id)
    built = build(
        entry["applicant_json"],
        entry["statement_text"],
        entry["lang"],
        narrative={"text": entry["narrative_text"], "source": entry["narrative_source"],
                   "note": ""},
        embeddings=entry["versions"].get("embeddings", "off") != "off",
    )  # fmt: skip
    return built, built.html_sha256 == entry["html_sha256"]
