"""/v1/studio: the creation platform — drafts from a brief, posters, narrated videos, reviews.

Operators draft, render and narrate (the makers); approvers review (the checkers). The key
that made a draft cannot approve it, and a draft or asset with a compliance alert cannot be
approved (409 problem naming the field). Assets download as files, their sha256 checked.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from puhui.ai.audit import CallLog
from puhui.ai.gateway import Gateway
from puhui.api.dependencies import StudioChecker, StudioMaker, StudioReader
from puhui.api.keys import ApiKey
from puhui.api.schemas.studio import DraftIn, RenderIn, ReviewIn
from puhui.db import connect
from puhui.servicing.catalog import load_product
from puhui.studio import Brief, offer_facts
from puhui.studio.store import StudioStore
from puhui.studio.workflow import create_draft, narrate_draft, render_draft

router = APIRouter(prefix="/v1/studio", tags=["studio"])

_lock = threading.Lock()


def studio_store(app: Any) -> StudioStore:
    """The app's studio store (opened on first use)."""
    store: StudioStore | None = getattr(app.state, "studio", None)
    if store is None:
        with _lock:
            store = getattr(app.state, "studio", None)
            if store is None:
                settings = app.state.platform.settings
                store = StudioStore(settings.database_url, Path(settings.data_dir) / "studio")
                app.state.studio = store
    return store


def close_studio(app: Any) -> None:
    store: StudioStore | None = getattr(app.state, "studio", None)
    if store is not None:
        store.close()
        app.state.studio = None
    gateway: Gateway | None = getattr(app.state, "studio_gateway", None)
    if gateway is not None and gateway.log is not None:
        gateway.log.conn.close()
        app.state.studio_gateway = None


def studio_gateway(app: Any) -> Gateway | None:
    """The gateway when a large model is configured (its calls logged), else None."""
    gateway: Gateway | None = getattr(app.state, "studio_gateway", None)
    if gateway is None:
        settings = app.state.platform.settings
        url = settings.database_url
        gateway = Gateway.from_settings(settings, CallLog(connect(url), url))
        app.state.studio_gateway = gateway
    return gateway if gateway.client is not None else None


def _actor(key: ApiKey) -> str:
    return f"key:{key.key_id}"


def _full(store: StudioStore, draft_id: str) -> dict[str, Any]:
    data = store.get_draft(draft_id).to_dict()
    data["reviews"] = [r.to_dict() for r in store.reviews(draft_id)]
    data["assets"] = [a.to_dict() for a in store.assets(draft_id)]
    return data


@router.post("/drafts", status_code=201, summary="Draft copy from a brief, checked (maker)")
def post_draft(request: Request, body: DraftIn, key: StudioMaker) -> dict[str, Any]:
    brief = Brief.of(body.model_dump(exclude={"mode", "text", "product_id"}))
    product = None
    if body.product_id:  # the book's stored catalog, its latest version
        product_id = body.product_id
        platform = request.app.state.platform
        product = platform.with_lending(lambda lending: load_product(lending.db, product_id))
    store = studio_store(request.app)
    stored = create_draft(
        store, brief, offer_facts(product), _actor(key), mode=body.mode, text=body.text,
        gateway=studio_gateway(request.app),
    )  # fmt: skip
    return _full(store, stored.draft_id)


@router.get("/drafts", summary="The latest drafts")
def list_drafts(
    request: Request,
    key: StudioReader,
    status: str | None = Query(None, pattern="^(draft|approved|rejected)$"),
    limit: int = Query(50, ge=1, le=500),
) -> list[dict[str, Any]]:
    return studio_store(request.app).list_drafts(limit, status)


@router.get("/drafts/{draft_id}", summary="A draft with its compliance result, reviews, assets")
def get_draft(request: Request, draft_id: str, key: StudioReader) -> dict[str, Any]:
    return _full(studio_store(request.app), draft_id)


@router.post("/drafts/{draft_id}/render", status_code=201, summary="Render its image (maker)")
def post_render(
    request: Request, draft_id: str, body: RenderIn, key: StudioMaker
) -> dict[str, Any]:
    asset, meta = render_draft(studio_store(request.app), draft_id, _actor(key), body.layout)
    return {"asset": asset.to_dict(), "render": meta}


@router.post(
    "/drafts/{draft_id}/narrate", status_code=201, summary="Narrate it into a video (maker)"
)
def post_narrate(request: Request, draft_id: str, key: StudioMaker) -> dict[str, Any]:
    assets, meta = narrate_draft(studio_store(request.app), draft_id, _actor(key))
    return {"assets": [a.to_dict() for a in assets], "video": meta}


@router.post("/drafts/{draft_id}/review", summary="Approve or reject (checker)")
def post_review(
    request: Request, draft_id: str, body: ReviewIn, key: StudioChecker
) -> dict[str, Any]:
    review = studio_store(request.app).review(draft_id, _actor(key), body.decision, body.note)
    return review.to_dict()


@router.get(
    "/assets/{asset_id}",
    summary="Download an asset (image, video, audio, subtitles, copy)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "video/mp4": {}, "audio/wav": {}}}},
)
def get_asset(request: Request, asset_id: str, key: StudioReader) -> Response:
    asset, data = studio_store(request.app).get_asset(asset_id)
    return Response(
        data,
        media_type=asset.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{asset.filename}"',
            "ETag": f'"{asset.sha256}"',
        },
    )
