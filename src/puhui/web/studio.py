"""Console pages of the creation platform (智能创作平台).

- `/console/studio`: the brief form (operators) and the latest drafts;
- `/console/studio/{id}`: a draft — its text, compliance result, images and video, the
  render and narrate buttons (operators), the review form (approvers), downloads;
- `/console/studio/assets/{id}`: an asset's file (shown inline or downloaded).

Operators make, approvers check (`/v1/studio` keeps the same rules); admins do both, but the
store refuses the maker's own approval either way.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puhui.api.keys import Role
from puhui.api.routers.studio import studio_gateway, studio_store
from puhui.errors import NotFoundError, PuhuiError
from puhui.studio import Brief, offer_facts
from puhui.studio.copy import CHANNELS, LENGTHS, PURPOSES
from puhui.studio.workflow import create_draft, narrate_draft, render_draft
from puhui.web.routes import PREFIX, Viewer, _gate, _not_found, _render, form_allowed, refused

router = APIRouter(prefix=PREFIX, include_in_schema=False)

MAKERS = {Role.OPERATOR, Role.ADMIN}
CHECKERS = {Role.APPROVER, Role.ADMIN}


async def _form(request: Request) -> dict[str, str] | None:
    """The posted form, or None for a cross-site or tokenless POST (refused, nothing changes)."""
    parsed = parse_qs((await request.body()).decode("utf-8", "replace"))
    if not form_allowed(request, parsed):
        return None
    return {k: v[0] for k, v in parsed.items()}


def _home(request: Request, viewer: Viewer, status: int = 200, error: str = "") -> Response:
    drafts = studio_store(request.app).list_drafts(50)
    return _render(
        request, viewer, "studio.html", status, drafts=drafts, purposes=PURPOSES,
        channels=CHANNELS, lengths=LENGTHS, error=error, maker=viewer.role in MAKERS,
    )  # fmt: skip


@router.get("/studio", response_class=HTMLResponse)
def studio_home(request: Request) -> Response:
    viewer = _gate(request, "studio")
    if not isinstance(viewer, Viewer):
        return viewer
    return _home(request, viewer)


@router.post("/studio", response_class=HTMLResponse)
async def studio_create(request: Request) -> Response:
    viewer = _gate(request, "studio")
    if not isinstance(viewer, Viewer):
        return viewer
    assert viewer.key is not None
    if viewer.role not in MAKERS:
        return _render(request, viewer, "message.html", 403, kind="forbidden")
    form = await _form(request)
    if form is None:
        return refused(request, viewer)
    fields = ("purpose", "channel", "lang", "audience", "length", "message", "offer_url")
    data = {k: form[k] for k in fields if form.get(k, "").strip()}
    try:
        stored = create_draft(
            studio_store(request.app), Brief.of(data), offer_facts(), f"key:{viewer.key.key_id}",
            mode=form.get("mode", "draft"), text=form.get("text", ""),
            gateway=studio_gateway(request.app),
        )  # fmt: skip
    except PuhuiError as exc:
        where = f"{exc.field}: " if exc.field else ""
        return _home(request, viewer, 422, where + exc.message)
    return RedirectResponse(f"{PREFIX}/studio/{stored.draft_id}", status_code=303)


def _page(
    request: Request, viewer: Viewer, draft_id: str, status: int = 200, error: str = ""
) -> Response:
    store = studio_store(request.app)
    try:
        stored = store.get_draft(draft_id)
    except NotFoundError:
        return _not_found(request, viewer)
    assets = store.assets(draft_id)
    latest = {a.kind: a for a in assets}
    return _render(
        request, viewer, "studio_draft.html", status, stored=stored, draft=stored.draft,
        assets=assets, latest=latest, reviews=store.reviews(draft_id), error=error,
        maker=viewer.role in MAKERS, checker=viewer.role in CHECKERS,
    )  # fmt: skip


@router.get("/studio/{draft_id}", response_class=HTMLResponse)
def studio_draft(request: Request, draft_id: str) -> Response:
    viewer = _gate(request, "studio")
    if not isinstance(viewer, Viewer):
        return viewer
    response: Response = _page(request, viewer, draft_id)
    return response


@router.post("/studio/{draft_id}/{action}", response_class=HTMLResponse)
async def studio_act(request: Request, draft_id: str, action: str) -> Response:
    viewer = _gate(request, "studio")
    if not isinstance(viewer, Viewer):
        return viewer
    assert viewer.key is not None
    actor = f"key:{viewer.key.key_id}"
    allowed = CHECKERS if action == "review" else MAKERS
    if action not in ("render", "narrate", "review"):
        return _not_found(request, viewer)
    if viewer.role not in allowed:
        return _render(request, viewer, "message.html", 403, kind="forbidden")
    form = await _form(request)
    if form is None:
        return refused(request, viewer)
    store = studio_store(request.app)
    try:
        if action == "render":
            render_draft(store, draft_id, actor, form.get("layout") or None)
        elif action == "narrate":
            narrate_draft(store, draft_id, actor)
        else:
            store.review(draft_id, actor, form.get("decision", ""), form.get("note", ""))
    except NotFoundError:
        return _not_found(request, viewer)
    except PuhuiError as exc:
        where = f"{exc.field}: " if exc.field else ""
        response: Response = _page(request, viewer, draft_id, 409, where + exc.message)
        return response
    return RedirectResponse(f"{PREFIX}/studio/{draft_id}", status_code=303)


@router.get("/studio/assets/{asset_id}")
def studio_asset(request: Request, asset_id: str, download: int = 0) -> Response:
    viewer = _gate(request, "studio")
    if not isinstance(viewer, Viewer):
        return viewer
    try:
        asset, data = studio_store(request.app).get_asset(asset_id)
    except NotFoundError:
        return _not_found(request, viewer)
    disposition = "attachment" if download else "inline"
    return Response(
        data,
        media_type=asset.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{asset.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )


def install(app: FastAPI) -> None:
    app.include_router(router)
