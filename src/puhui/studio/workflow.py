"""The creation platform's use cases over the store: draft, render, narrate, review.

Each step records what it made: a draft (with its compliance result) and its copy as the first
asset; a render as the next version of the poster or social card (the drawn boxes and the
check of the text on the image in its metadata); a narration as the video, its audio and
subtitles. `StudioStore.review` is the checker's step.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from puhui.ai.gateway import Gateway
from puhui.errors import ValidationError
from puhui.studio.copy import Brief, draft_copy, expand, rewrite
from puhui.studio.facts import OfferFacts
from puhui.studio.narrate import narrate
from puhui.studio.render import render
from puhui.studio.store import Asset, StoredDraft, StudioStore

MODES = ("draft", "expand", "rewrite")


def create_draft(
    store: StudioStore,
    brief: Brief,
    facts: OfferFacts,
    actor: str,
    *,
    mode: str = "draft",
    text: str = "",
    gateway: Gateway | None = None,
) -> StoredDraft:
    """Write (or expand / rewrite `text`), check, and record the draft and its copy."""
    if mode not in MODES:
        raise ValidationError(f"mode must be one of {', '.join(MODES)}", field="mode")
    if mode == "draft":
        draft = draft_copy(brief, facts, gateway, actor)
    elif mode == "expand":
        draft = expand(text, brief, facts, gateway, actor)
    else:
        draft = rewrite(text, brief, facts, gateway, actor)
    draft_id = store.save_draft(draft, actor)
    store.add_asset(
        draft_id, "copy", draft.text.encode("utf-8"), actor, len(draft.alerts),
        {"source": draft.source, "generated": draft.generated},
    )  # fmt: skip
    return store.get_draft(draft_id)


def render_draft(
    store: StudioStore, draft_id: str, actor: str, layout: str | None = None
) -> tuple[Asset, dict[str, Any]]:
    """Render the stored draft's image and record it as the next version."""
    stored = store.get_draft(draft_id)
    rendered = render(stored.draft, layout)
    kind = "social" if rendered.layout == "social" else "poster"
    meta = rendered.to_dict()
    asset = store.add_asset(draft_id, kind, rendered.png(), actor, len(rendered.alerts), meta)
    return asset, meta


def narrate_draft(
    store: StudioStore, draft_id: str, actor: str, workdir: Path | None = None
) -> tuple[list[Asset], dict[str, Any]]:
    """Narrate the stored draft into a video; record the video, its audio and subtitles."""
    stored = store.get_draft(draft_id)
    with tempfile.TemporaryDirectory(prefix="puhui-studio-") as tmp:
        result = narrate(stored.draft, Path(workdir or tmp))
        meta = result.to_dict()
        for key in ("video", "audio", "subtitles", "poster"):
            meta.pop(key, None)
        alerts = len(result.alerts)
        assets = [
            store.add_asset(draft_id, "video", result.video.read_bytes(), actor, alerts, meta),
            store.add_asset(draft_id, "audio", result.audio.read_bytes(), actor, alerts),
            store.add_asset(draft_id, "subtitles", result.subtitles.read_bytes(), actor, alerts),
        ]
    return assets, meta
