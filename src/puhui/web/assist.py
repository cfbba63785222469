"""Console pages of agent assist: the agent's live page and the QA supervisor's pages.

- `/console/assist` (agents): start a call, their recent calls;
- `/console/assist/live/{id}`: the live call — transcript, suggestions, alerts, customer card —
  over the WebSocket `/console/assist/calls/{id}/live` (the console cookie names the key);
- `/console/qa` (QA supervisors): every call with its score, alert rates by rule and agent;
- `/console/calls/{id}`: one call's record with playback of its alerts (agents: their own).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puhui.api.dependencies import AssistDep, CallAgentWs, assist_of
from puhui.api.keys import Role
from puhui.api.routers.assist import run_live
from puhui.assist.service import Agent
from puhui.compliance.rules import PURPOSES, shipped_rulebook
from puhui.errors import PuhuiError
from puhui.web.routes import PREFIX, Viewer, _gate, _not_found, _render, form_allowed, refused

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/assist", response_class=HTMLResponse)
def assist_home(request: Request) -> Response:
    viewer = _gate(request, "assist")
    if not isinstance(viewer, Viewer):
        return viewer
    assert viewer.key is not None
    calls = assist_of(request).store.calls(agent_key_id=viewer.key.key_id, limit=20)
    return _render(request, viewer, "assist.html", calls=calls, purposes=PURPOSES, error="")


@router.post("/assist", response_class=HTMLResponse)
async def assist_start(request: Request) -> Response:
    viewer = _gate(request, "assist")
    if not isinstance(viewer, Viewer):
        return viewer
    assert viewer.key is not None
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    if not form_allowed(request, form):
        return refused(request, viewer)
    service = assist_of(request)
    try:
        live = service.start_call(
            Agent(viewer.key.key_id, viewer.key.label),
            (form.get("customer_id") or [""])[0].strip(),
            purpose=(form.get("purpose") or ["marketing"])[0],
            lang=viewer.lang,
            local_time=(form.get("local_time") or [""])[0].strip() or None,
        )
    except PuhuiError as exc:
        calls = service.store.calls(agent_key_id=viewer.key.key_id, limit=20)
        return _render(
            request, viewer, "assist.html", 422, calls=calls, purposes=PURPOSES, error=exc.message
        )
    return RedirectResponse(f"{PREFIX}/assist/live/{live.id}", status_code=303)


@router.get("/assist/live/{call_id}", response_class=HTMLResponse)
def assist_live(request: Request, call_id: str) -> Response:
    viewer = _gate(request, "assist")
    if not isinstance(viewer, Viewer):
        return viewer
    assert viewer.key is not None
    service = assist_of(request)
    live = service.live.get(call_id)
    if live is None or live.agent.key_id != viewer.key.key_id:
        return _not_found(request, viewer)
    return _render(
        request,
        viewer,
        "assist_live.html",
        call=live,
        card=live.session.card.to_dict(),
        ws_path=f"{PREFIX}/assist/calls/{call_id}/live",
    )


@router.websocket("/assist/calls/{call_id}/live")
async def assist_socket(
    websocket: WebSocket, key: CallAgentWs, service: AssistDep, call_id: str
) -> None:
    await run_live(websocket, key, service, call_id)


@router.get("/qa", response_class=HTMLResponse)
def qa(request: Request) -> Response:
    viewer = _gate(request, "qa")
    if not isinstance(viewer, Viewer):
        return viewer
    store = assist_of(request).store
    titles = {r.id: r.title for r in shipped_rulebook().rules}
    return _render(
        request,
        viewer,
        "qa.html",
        calls=store.calls(limit=200),
        rule_rates=store.rule_rates(),
        agent_rates=store.agent_rates(),
        titles=titles,
    )


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_record(request: Request, call_id: str) -> Response:
    viewer = _gate(request, "assist")
    if isinstance(viewer, Response):
        viewer = _gate(request, "qa")
    if not isinstance(viewer, Viewer):
        return viewer
    assert viewer.key is not None
    record = assist_of(request).record(call_id)
    sees_all = viewer.role in (Role.QA_SUPERVISOR, Role.ADMIN)
    if record is None or not (sees_all or record["agent_key_id"] == viewer.key.key_id):
        return _not_found(request, viewer)
    alerts_by_seq: dict[int, list[dict[str, object]]] = {}
    for alert in record["alert_list"]:
        alerts_by_seq.setdefault(int(alert["seq"]), []).append(alert)
    titles = {r.id: r.title for r in shipped_rulebook().rules}
    return _render(
        request, viewer, "call.html", r=record, alerts_by_seq=alerts_by_seq, titles=titles
    )


def install(app: FastAPI) -> None:
    app.include_router(router)
