"""The creation platform's records (SQLite or PostgreSQL): drafts, reviews, assets with versions.

    store = StudioStore(url, assets_dir)
    draft_id = store.save_draft(draft, actor="key:ab12")          # the maker
    store.add_asset(draft_id, "poster", png, "image/png", actor, meta)   # render / narrate
    store.review(draft_id, reviewer="key:cd34", decision="approve")      # the checker

A review re-runs the compliance engine on the draft's text (the rulebook of the day, its
version recorded) and looks at every asset's own check: a draft or an asset with an alert
cannot be approved, and the maker cannot approve their own draft (maker–checker, as in
governance approvals). Reviews are append-only (triggers refuse UPDATE and DELETE). Asset
bytes live on disk, content-addressed under `assets_dir`; the database keeps their sha256,
size and a version per (draft, kind), so a re-render is a new version, never an overwrite.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from puhui.compliance.rules import shipped_rulebook
from puhui.db import Database
from puhui.errors import ConflictError, NotFoundError, ValidationError
from puhui.studio.copy import Brief, Draft, compliance_alerts
from puhui.studio.facts import facts_from_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS studio_drafts (
    draft_id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    purpose TEXT NOT NULL,
    channel TEXT NOT NULL,
    lang TEXT NOT NULL,
    brief_json TEXT NOT NULL,
    headline TEXT NOT NULL,
    body TEXT NOT NULL,
    disclosure TEXT NOT NULL,
    source TEXT NOT NULL,
    generated INTEGER NOT NULL,
    facts_json TEXT NOT NULL,
    alerts INTEGER NOT NULL,
    alerts_json TEXT NOT NULL,
    rulebook TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS studio_drafts_created_idx ON studio_drafts (created_at);
CREATE TABLE IF NOT EXISTS studio_reviews (
    review_id TEXT PRIMARY KEY,
    draft_id TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    decision TEXT NOT NULL,
    note TEXT NOT NULL,
    alerts INTEGER NOT NULL,
    alerts_json TEXT NOT NULL,
    rulebook TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS studio_reviews_draft_idx ON studio_reviews (draft_id, at);
CREATE TABLE IF NOT EXISTS studio_assets (
    asset_id TEXT PRIMARY KEY,
    draft_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    path TEXT NOT NULL,
    alerts INTEGER NOT NULL,
    meta_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (draft_id, kind, version)
)
"""

#: Reviews are append-only: each statement whole (their bodies hold semicolons).
_APPEND_ONLY = {
    "sqlite": (
        "CREATE TRIGGER IF NOT EXISTS studio_reviews_no_update BEFORE UPDATE ON studio_reviews"
        " BEGIN SELECT RAISE(ABORT, 'studio_reviews is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS studio_reviews_no_delete BEFORE DELETE ON studio_reviews"
        " BEGIN SELECT RAISE(ABORT, 'studio_reviews is append-only'); END",
    ),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION studio_reviews_append_only() RETURNS trigger AS $$"
        " BEGIN RAISE EXCEPTION 'studio_reviews is append-only'; END $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS studio_reviews_no_change ON studio_reviews",
        "CREATE TRIGGER studio_reviews_no_change BEFORE UPDATE OR DELETE ON studio_reviews"
        " FOR EACH ROW EXECUTE FUNCTION studio_reviews_append_only()",
    ),
}

KINDS = {
    "copy": "text/plain; charset=utf-8",
    "poster": "image/png",
    "social": "image/png",
    "audio": "audio/wav",
    "subtitles": "application/x-subrip",
    "video": "video/mp4",
}
_EXT = {"copy": ".txt", "poster": ".png", "social": ".png", "audio": ".wav",
        "subtitles": ".srt", "video": ".mp4"}  # fmt: skip
DECISIONS = ("approve", "reject")
MAX_NOTE = 1000


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class StoredDraft:
    draft_id: str
    created_at: str
    created_by: str
    status: str  # draft | approved | rejected
    draft: Draft

    def to_dict(self) -> dict[str, Any]:
        return {
            "draft_id": self.draft_id,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "status": self.status,
            **self.draft.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Review:
    review_id: str
    draft_id: str
    reviewer: str
    decision: str
    note: str
    alerts: list[dict[str, Any]]
    rulebook: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "review_id": self.review_id,
            "draft_id": self.draft_id,
            "reviewer": self.reviewer,
            "decision": self.decision,
            "note": self.note,
            "alerts": self.alerts,
            "rulebook": self.rulebook,
            "at": self.at,
        }


@dataclass(frozen=True, slots=True)
class Asset:
    asset_id: str
    draft_id: str
    kind: str
    version: int
    media_type: str
    sha256: str
    size_bytes: int
    path: str  # relative to the store's assets directory
    alerts: int
    meta: dict[str, Any]
    created_at: str
    created_by: str

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.draft_id[:8]}-v{self.version}{_EXT[self.kind]}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset_id,
            "draft_id": self.draft_id,
            "kind": self.kind,
            "version": self.version,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "filename": self.filename,
            "alerts": self.alerts,
            "meta": self.meta,
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


_DRAFT_COLUMNS = (
    "draft_id, created_at, created_by, brief_json, headline, body, disclosure, source,"
    " generated, facts_json, alerts_json, status"
)
_ASSET_COLUMNS = (
    "asset_id, draft_id, kind, version, media_type, sha256, size_bytes, path, alerts,"
    " meta_json, created_at, created_by"
)


class StudioStore:
    """The studio tables on one connection (a server's threads share it under a lock)."""

    def __init__(self, url: str, assets_dir: str | Path) -> None:
        self.db = Database(url)
        self.db.create_tables(SCHEMA, 7345418)
        with self.db.tx():
            if self.db.dialect == "postgresql":
                self.db.conn.execute("SELECT pg_advisory_xact_lock(7345418)")
            for statement in _APPEND_ONLY[self.db.dialect]:
                self.db.conn.execute(statement)
        self.assets_dir = Path(assets_dir)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    # drafts ---------------------------------------------------------------------------------

    def save_draft(self, draft: Draft, actor: str) -> str:
        draft_id = uuid.uuid4().hex
        b = draft.brief
        with self._lock, self.db.tx() as db:
            db.execute(
                "INSERT INTO studio_drafts (draft_id, created_at, created_by, purpose, channel,"
                " lang, brief_json, headline, body, disclosure, source, generated, facts_json,"
                " alerts, alerts_json, rulebook, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft')",
                (
                    draft_id, _now(), actor, b.purpose, b.channel, b.lang,
                    json.dumps(b.to_dict(), ensure_ascii=False), draft.headline, draft.body,
                    draft.disclosure, draft.source, int(draft.generated),
                    json.dumps(draft.facts.to_dict(), ensure_ascii=False), len(draft.alerts),
                    json.dumps([a.to_dict() for a in draft.alerts], ensure_ascii=False),
                    shipped_rulebook().version,
                ),
            )  # fmt: skip
        return draft_id

    def _draft_of(self, row: Any) -> StoredDraft:
        (draft_id, created_at, created_by, brief_json, headline, body, disclosure, source,
         generated, facts_json, _alerts_json, status) = row  # fmt: skip
        brief = Brief.of(json.loads(brief_json))
        facts = facts_from_dict(json.loads(facts_json))
        draft = Draft(brief, headline, body, disclosure, source, bool(generated), facts)
        alerts = compliance_alerts(draft.text, brief.channel, facts)  # judged by today's rules
        draft = Draft(brief, headline, body, disclosure, source, bool(generated), facts, alerts)
        return StoredDraft(draft_id, created_at, created_by, status, draft)

    def get_draft(self, draft_id: str) -> StoredDraft:
        with self._lock, self.db.read() as db:
            row = db.one(
                f"SELECT {_DRAFT_COLUMNS} FROM studio_drafts WHERE draft_id = ?", (draft_id,)
            )
        if row is None:
            raise NotFoundError(f"draft {draft_id} not found", field="draft_id")
        return self._draft_of(row)

    def list_drafts(self, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
        sql = (
            "SELECT draft_id, created_at, created_by, purpose, channel, lang, headline, source,"
            " generated, alerts, status FROM studio_drafts"
        )
        params: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        sql += " ORDER BY created_at DESC, draft_id LIMIT ?"
        params.append(max(1, min(int(limit), 500)))
        with self._lock, self.db.read() as db:
            rows = db.all(sql, params)
        keys = ("draft_id", "created_at", "created_by", "purpose", "channel", "lang", "headline",
                "source", "generated", "alerts", "status")  # fmt: skip
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for d in out:
            d["generated"] = bool(d["generated"])
        return out

    # assets ---------------------------------------------------------------------------------

    def add_asset(
        self,
        draft_id: str,
        kind: str,
        data: bytes,
        actor: str,
        alerts: int = 0,
        meta: dict[str, Any] | None = None,
    ) -> Asset:
        """Store `data` as the next version of the draft's `kind` asset."""
        if kind not in KINDS:
            raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
        sha = hashlib.sha256(data).hexdigest()
        rel = f"{sha[:2]}/{sha}{_EXT[kind]}"
        target = self.assets_dir / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(target.suffix + f".{uuid.uuid4().hex}.tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
        meta_json = json.dumps(meta or {}, ensure_ascii=False, sort_keys=True)
        with self._lock, self.db.tx() as db:
            found = db.one(
                f"SELECT status FROM studio_drafts WHERE draft_id = ?{db.for_update}", (draft_id,)
            )
            if found is None:
                raise NotFoundError(f"draft {draft_id} not found", field="draft_id")
            if found[0] != "draft":
                raise ConflictError(
                    f"draft {draft_id} is {found[0]}: its assets are final", field="draft_id"
                )
            (latest,) = db.one(
                "SELECT MAX(version) FROM studio_assets WHERE draft_id = ? AND kind = ?",
                (draft_id, kind),
            )
            version = int(latest or 0) + 1
            asset = Asset(
                uuid.uuid4().hex, draft_id, kind, version, KINDS[kind], sha, len(data), rel,
                int(alerts), json.loads(meta_json), _now(), actor,
            )  # fmt: skip
            db.execute(
                f"INSERT INTO studio_assets ({_ASSET_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (asset.asset_id, draft_id, kind, version, asset.media_type, sha, len(data), rel,
                 asset.alerts, meta_json, asset.created_at, actor),
            )  # fmt: skip
        return asset

    def _asset_of(self, row: Any) -> Asset:
        values = list(row)
        values[9] = json.loads(values[9])
        values[3], values[6], values[8] = int(values[3]), int(values[6]), int(values[8])
        return Asset(*values)

    def assets(self, draft_id: str) -> list[Asset]:
        with self._lock, self.db.read() as db:
            rows = db.all(
                f"SELECT {_ASSET_COLUMNS} FROM studio_assets WHERE draft_id = ?"
                " ORDER BY kind, version",
                (draft_id,),
            )
        return [self._asset_of(r) for r in rows]

    def get_asset(self, asset_id: str) -> tuple[Asset, bytes]:
        with self._lock, self.db.read() as db:
            row = db.one(
                f"SELECT {_ASSET_COLUMNS} FROM studio_assets WHERE asset_id = ?", (asset_id,)
            )
        if row is None:
            raise NotFoundError(f"asset {asset_id} not found", field="asset_id")
        asset = self._asset_of(row)
        data = (self.assets_dir / asset.path).read_bytes()
        if hashlib.sha256(data).hexdigest() != asset.sha256:
            raise ConflictError(
                f"asset {asset_id}'s file does not match its sha256", field="asset_id"
            )
        return asset, data

    # reviews --------------------------------------------------------------------------------

    def review(self, draft_id: str, reviewer: str, decision: str, note: str = "") -> Review:
        """Record the checker's decision. Approval is refused (nothing recorded) when the
        draft or one of its latest assets has a compliance alert, or the reviewer made it."""
        if decision not in DECISIONS:
            raise ValidationError(
                f"decision must be one of {', '.join(DECISIONS)}", field="decision"
            )
        if len(note) > MAX_NOTE:
            raise ValidationError(f"note is longer than {MAX_NOTE} characters", field="note")
        stored = self.get_draft(draft_id)  # re-checked with today's rulebook
        alerts = [a.to_dict() for a in stored.draft.alerts]
        latest: dict[str, Asset] = {}
        for asset in self.assets(draft_id):
            latest[asset.kind] = asset
        flagged = sorted(k for k, a in latest.items() if a.alerts)
        if decision == "approve":
            if stored.created_by == reviewer:
                raise ConflictError(
                    "the maker of a draft cannot approve it (maker–checker)", field="reviewer"
                )
            if alerts:
                raise ConflictError(
                    f"a draft with {len(alerts)} compliance alert(s) cannot be approved:"
                    f" {', '.join(sorted({a['rule_id'] for a in alerts}))}",
                    field="decision",
                )
            if flagged:
                raise ConflictError(
                    f"assets with compliance alerts cannot be approved: {', '.join(flagged)}",
                    field="decision",
                )
        review = Review(
            uuid.uuid4().hex, draft_id, reviewer, decision, note, alerts,
            shipped_rulebook().version, _now(),
        )  # fmt: skip
        with self._lock, self.db.tx() as db:
            (status,) = db.one(
                f"SELECT status FROM studio_drafts WHERE draft_id = ?{db.for_update}", (draft_id,)
            )
            if status != "draft":
                raise ConflictError(f"draft {draft_id} is already {status}", field="draft_id")
            db.execute(
                "INSERT INTO studio_reviews (review_id, draft_id, reviewer, decision, note,"
                " alerts, alerts_json, rulebook, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (review.review_id, draft_id, reviewer, decision, note, len(alerts),
                 json.dumps(alerts, ensure_ascii=False), review.rulebook, review.at),
            )  # fmt: skip
            db.execute(
                "UPDATE studio_drafts SET status = ? WHERE draft_id = ?",
                ("approved" if decision == "approve" else "rejected", draft_id),
            )
        return review

    def reviews(self, draft_id: str) -> list[Review]:
        with self._lock, self.db.read() as db:
            rows = db.all(
                "SELECT review_id, draft_id, reviewer, decision, note, alerts_json, rulebook, at"
                " FROM studio_reviews WHERE draft_id = ? ORDER BY at",
                (draft_id,),
            )
        return [Review(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]
