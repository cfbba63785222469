"""The console's due-diligence report pages: the recorded reports, and one report rebuilt.

The list reads `report_audit`; opening a report rebuilds it from its stored inputs (nothing but
the audit row is needed) and serves it as its own self-contained page, with a header saying
whether it came out byte-identical to what was recorded.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from puhui.api.dependencies import platform_of
from puhui.db import Database
from puhui.errors import NotFoundError
from puhui.reports import store
from puhui.web.routes import PREFIX, _gate, _not_found, _render

router = APIRouter(prefix=f"{PREFIX}/reports", include_in_schema=False)
_ENTRY = re.compile(r"^[0-9a-f]{32}$")
#: The report is one file with its own inline style and script, and loads nothing else.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


@router.get("", response_class=HTMLResponse)
def reports(request: Request) -> Response:
    viewer = _gate(request, "reports")
    if isinstance(viewer, Response):
        return viewer
    db = Database(platform_of(request).settings.database_url)
    try:
        rows = store.list_reports(db, 200)
    finally:
        db.close()
    return _render(request, viewer, "reports.html", reports=rows)


@router.get("/{entry_id}", response_class=HTMLResponse)
def report(request: Request, entry_id: str) -> Response:
    viewer = _gate(request, "reports")
    if isinstance(viewer, Response):
        return viewer
    if not _ENTRY.match(entry_id):
        return _not_found(request, viewer)
    db = Database(platform_of(request).settings.database_url)
    try:
        built, identical = store.regenerate(db, entry_id)
    except NotFoundError:
        return _not_found(request, viewer)
    finally:
        db.close()
    return HTMLResponse(
        built.html,
        headers={
            "Content-Security-Policy": REPORT_CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "X-Report-Identical": "true" if identical else "false",
        },
    )
