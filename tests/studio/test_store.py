"""Drafts, reviews and versioned assets on both real backends; maker–checker; no approval with
an alert."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from puhui.errors import ConflictError, NotFoundError, ValidationError
from puhui.studio import Brief, OfferFacts
from puhui.studio.store import StudioStore
from puhui.studio.workflow import create_draft, render_draft

from .conftest import PLANTED, PLANTED_RULES

MAKER, CHECKER = "key:maker", "key:checker"


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> StudioStore:
    s = StudioStore(database_url, tmp_path / "assets")
    yield s  # type: ignore[misc]
    s.close()


def test_a_compliant_draft_is_rendered_reviewed_and_approved(
    store: StudioStore, facts: OfferFacts
) -> None:
    stored = create_draft(store, Brief(channel="poster", lang="zh"), facts, MAKER)
    assert stored.status == "draft" and stored.draft.compliant and stored.created_by == MAKER
    first, meta = render_draft(store, stored.draft_id, MAKER)
    second, _ = render_draft(store, stored.draft_id, MAKER)
    assert (first.kind, first.version, second.version) == ("poster", 1, 2)
    assert first.sha256 == second.sha256  # the same draft renders the same pixels
    asset, data = store.get_asset(second.asset_id)
    assert hashlib.sha256(data).hexdigest() == asset.sha256 and asset.media_type == "image/png"
    assert Image.open(store.assets_dir / asset.path).size == (1080, 1920)
    assert any(b["name"] == "disclosure" for b in meta["boxes"])
    with pytest.raises(ConflictError) as own:
        store.review(stored.draft_id, MAKER, "approve")
    assert own.value.field == "reviewer"
    review = store.review(stored.draft_id, CHECKER, "approve", "figures checked")
    assert review.alerts == [] and review.rulebook
    assert store.get_draft(stored.draft_id).status == "approved"
    assert [r.decision for r in store.reviews(stored.draft_id)] == ["approve"]
    kinds = {(a.kind, a.version) for a in store.assets(stored.draft_id)}
    assert kinds == {("copy", 1), ("poster", 1), ("poster", 2)}
    with pytest.raises(ConflictError):  # approved assets are final
        render_draft(store, stored.draft_id, MAKER)
    with pytest.raises(ConflictError):
        store.review(stored.draft_id, CHECKER, "reject")


@pytest.mark.parametrize("channel", ["poster", "social", "copy", "sms"])
def test_a_draft_with_an_alert_cannot_be_approved(
    store: StudioStore, facts: OfferFacts, channel: str
) -> None:
    brief = Brief(channel=channel, lang="en", message=PLANTED["en"])
    stored = create_draft(store, brief, facts, MAKER)
    assert {a.rule_id for a in stored.draft.alerts} == PLANTED_RULES
    with pytest.raises(ConflictError) as refused:
        store.review(stored.draft_id, CHECKER, "approve")
    assert refused.value.field == "decision" and "MKT-GUARANTEE" in refused.value.message
    assert store.reviews(stored.draft_id) == []  # a refused approval records nothing
    assert store.get_draft(stored.draft_id).status == "draft"
    rejected = store.review(stored.draft_id, CHECKER, "reject", "promises approval")
    assert {a["rule_id"] for a in rejected.alerts} == PLANTED_RULES
    assert store.get_draft(stored.draft_id).status == "rejected"


def test_reviews_are_append_only(store: StudioStore, facts: OfferFacts) -> None:
    stored = create_draft(store, Brief(channel="sms"), facts, MAKER)
    store.review(stored.draft_id, CHECKER, "reject", "not this month")
    with pytest.raises(Exception, match="append-only"), store.db.tx() as db:
        db.execute("UPDATE studio_reviews SET decision = 'approve'")
    with pytest.raises(Exception, match="append-only"), store.db.tx() as db:
        db.execute("DELETE FROM studio_reviews")
    assert [r.decision for r in store.reviews(stored.draft_id)] == ["reject"]


def test_bad_input_names_its_field_and_changes_nothing(
    store: StudioStore, facts: OfferFacts
) -> None:
    stored = create_draft(store, Brief(channel="sms"), facts, MAKER)
    with pytest.raises(ValidationError) as bad:
        store.review(stored.draft_id, CHECKER, "maybe")
    assert bad.value.field == "decision"
    with pytest.raises(ValidationError) as kind:
        store.add_asset(stored.draft_id, "hologram", b"x", MAKER)
    assert kind.value.field == "kind"
    with pytest.raises(NotFoundError):
        store.get_draft("0" * 32)
    with pytest.raises(ValidationError) as mode:
        create_draft(store, Brief(), facts, MAKER, mode="translate")
    assert mode.value.field == "mode"
    assert store.reviews(stored.draft_id) == [] and len(store.list_drafts()) == 1


def test_expand_and_rewrite_are_recorded_like_drafts(store: StudioStore, facts: OfferFacts) -> None:
    expanded = create_draft(
        store, Brief(channel="copy"), facts, MAKER, mode="expand", text="开店三年，想多进一批货。"
    )
    rewritten = create_draft(
        store, Brief(channel="sms", lang="en"), facts, MAKER, mode="rewrite",
        text="We lend to small shops. Apply on your phone. Repay any time.",
    )  # fmt: skip
    assert expanded.draft.source == "expand:template" and expanded.draft.compliant
    assert rewritten.draft.source == "rewrite:extractive" and rewritten.draft.compliant
    listed = {d["draft_id"]: d for d in store.list_drafts()}
    assert set(listed) == {expanded.draft_id, rewritten.draft_id}
    assert store.list_drafts(status="approved") == []
