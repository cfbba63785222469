"""/v1/reports: due-diligence reports for small-business credit (risk analysts; admins).

A report is built from the applicant's JSON and the statement CSV in the request, recorded in
the append-only `report_audit` with its input fingerprints, and returned as HTML, PDF or JSON;
its entry id is in the `X-Report-Entry` header. A recorded report can be listed and rebuilt
from its stored inputs, with a check that the HTML is byte for byte the same.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from puhui.api.dependencies import DecisionsDep, RiskAnalyst
from puhui.api.schemas.reports import DueDiligenceIn
from puhui.reports import store
from puhui.reports.owner import resolve_owner_credit

router = APIRouter(prefix="/v1/reports", tags=["reports"])

EntryId = Path(pattern=r"^[0-9a-f]{32}$", description="Entry id of a recorded report")


@router.post(
    "/due-diligence",
    summary="Build, record and return a due-diligence report (HTML, PDF or JSON)",
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
def due_diligence(body: DueDiligenceIn, decisions: DecisionsDep, key: RiskAnalyst) -> Response:
    gateway = None
    if body.narrative_llm:
        from puhui.ai.gateway import open_gateway

        gateway = open_gateway(decisions.settings)
    # the owner's PD from the decision audit (a short read), then the build off the lock
    applicant = decisions.with_db(lambda db: resolve_owner_credit(db, body.applicant))
    built = store.build(
        json.dumps(applicant, ensure_ascii=False), body.statement_csv, body.lang,
        gateway=gateway, embeddings=body.embeddings,
    )  # fmt: skip
    data = built.output(body.format)
    entry = decisions.with_db(
        lambda db: store.record(
            db, built, actor=f"key:{key.key_id}", fmt=body.format,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    )  # fmt: skip
    headers = {"X-Report-Entry": entry, "X-Report-Id": built.report_id}
    media = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
             "json": "application/json"}[body.format]  # fmt: skip
    return Response(data, media_type=media, headers=headers)


@router.get("", summary="Recorded reports, most recent first")
def list_reports(
    decisions: DecisionsDep, key: RiskAnalyst, limit: int = Query(50, ge=1, le=500)
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = decisions.with_db(lambda db: store.list_reports(db, limit))
    return rows


@router.get("/{entry_id}/html", summary="Rebuild a recorded report from its stored inputs",
            response_class=HTMLResponse)  # fmt: skip
def regenerate(decisions: DecisionsDep, key: RiskAnalyst, entry_id: str = EntryId) -> Response:
    built, identical = decisions.with_db(lambda db: store.regenerate(db, entry_id))
    return HTMLResponse(
        built.html, headers={"X-Report-Identical": "true" if identical else "false"}
    )
