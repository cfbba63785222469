"""`puhui studio …`: the creation platform — draft, render, narrate, review, list, show, get."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import typer

from puhui.cli.common import JSON
from puhui.errors import ValidationError
from puhui.output import console, print_json, print_table

app = typer.Typer(
    name="studio",
    help="Creation platform: copy, posters and narrated videos with the product's real figures, "
    "the mandatory disclosure and the compliance check; reviewed maker–checker. 智能创作平台。",
    no_args_is_help=True,
)


def _actor(value: str | None) -> str:
    return value or f"cli:{getpass.getuser()}"


ACTOR = typer.Option(None, "--actor", help="Who acts (recorded); default cli:<os user>.")


def _store() -> Any:
    from puhui.settings import get_settings
    from puhui.studio.store import StudioStore

    settings = get_settings()
    return StudioStore(settings.database_url, Path(settings.data_dir) / "studio")


def _alerts_table(alerts: list[dict[str, Any]]) -> None:
    if alerts:
        print_table(
            "compliance alerts / 合规告警",
            ["rule", "severity", "text", "source"],
            [(a["rule_id"], a["severity"], a["text"], a["source"]) for a in alerts],
        )
    else:
        console.print("[green]compliant / 合规检查通过[/green]")


@app.command()
def draft(
    purpose: str = typer.Option("acquisition", help="acquisition | brand | education"),
    channel: str = typer.Option("poster", help="poster | social | video | copy | sms"),
    lang: str = typer.Option("zh", help="zh | en"),
    audience: str = typer.Option("", help="Who it is for (default: small business owners)."),
    length: str = typer.Option("", help="short | medium | long (default: the channel's)."),
    message: str = typer.Option("", help="The marketer's own line, used verbatim (checked)."),
    offer_url: str = typer.Option("https://puhui.example/offer", help="The QR code's target."),
    mode: str = typer.Option("draft", help="draft | expand | rewrite (the --text or --file)."),
    text: str | None = typer.Option(None, "--text", help="Text to expand or rewrite."),
    file: Path | None = typer.Option(
        None, "--file", exists=True, dir_okay=False, help="Text file."
    ),
    product_file: Path | None = typer.Option(
        None,
        "--product-file",
        exists=True,
        dir_okay=False,
        help="A product TOML (default: the shipped catalog product).",
    ),
    actor: str | None = ACTOR,
    json_output: bool = JSON,
) -> None:
    """Draft copy from a brief (or expand / rewrite a text), check it and record it. 起草。"""
    from puhui.ai.gateway import open_gateway
    from puhui.lending.products import load_product
    from puhui.studio import Brief, offer_facts
    from puhui.studio.workflow import create_draft

    brief = Brief(
        purpose=purpose, channel=channel, lang=lang, audience=audience, length=length,
        message=message, offer_url=offer_url,
    )  # fmt: skip
    if text is not None and file is not None:
        raise ValidationError("give at most one of --text or --file", field="text")
    given = text if text is not None else (file.read_text("utf-8") if file else "")
    if mode != "draft" and not given.strip():
        raise ValidationError(f"--mode {mode} needs --text or --file", field="text")
    facts = offer_facts(load_product(product_file) if product_file else None)
    gateway = open_gateway()
    store = _store()
    try:
        stored = create_draft(
            store, brief, facts, _actor(actor), mode=mode, text=given,
            gateway=gateway if gateway.client is not None else None,
        )  # fmt: skip
    finally:
        store.close()
    data = stored.to_dict()
    if json_output:
        print_json(data)
        return
    label = " [yellow](AI generated / AI 生成)[/yellow]" if stored.draft.generated else ""
    console.print(f"draft [bold]{stored.draft_id}[/bold] · {stored.draft.source}{label}")
    console.print(stored.draft.text, markup=False, highlight=False)
    _alerts_table(data["alerts"])


@app.command()
def render(
    draft_id: str = typer.Argument(..., help="The draft to draw."),
    layout: str | None = typer.Option(
        None, help="poster | social | video (default: the channel's)."
    ),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="Also write the PNG here."),
    actor: str | None = ACTOR,
    json_output: bool = JSON,
) -> None:
    """Render the draft's poster or social card; record it as a new version. 出图。"""
    from puhui.studio.workflow import render_draft

    store = _store()
    try:
        asset, meta = render_draft(store, draft_id, _actor(actor), layout)
        if out:
            out.write_bytes(store.get_asset(asset.asset_id)[1])
    finally:
        store.close()
    data = {"asset": asset.to_dict(), "render": meta, "out": str(out) if out else None}
    if json_output:
        print_json(data)
        return
    console.print(f"{asset.kind} v{asset.version} · {asset.asset_id} · {asset.size_bytes} bytes")
    print_table(
        "boxes drawn / 版面",
        ["box", "font px", "rectangle", "text"],
        [(b["name"], b["font_size"], b["ink"], b["text"][:60]) for b in meta["boxes"]],
    )
    _alerts_table(meta["alerts"])


@app.command()
def narrate(
    draft_id: str = typer.Argument(..., help="The draft to narrate."),
    out: Path | None = typer.Option(None, "--out", dir_okay=False, help="Also write the MP4 here."),
    actor: str | None = ACTOR,
    json_output: bool = JSON,
) -> None:
    """Speak the script (espeak-ng) and make the video (ffmpeg); record them. 配音成片。"""
    from puhui.studio.workflow import narrate_draft

    store = _store()
    try:
        if json_output:
            assets, meta = narrate_draft(store, draft_id, _actor(actor))
        else:
            with console.status("narrating and encoding / 配音、合成中…"):
                assets, meta = narrate_draft(store, draft_id, _actor(actor))
        if out:
            out.write_bytes(store.get_asset(assets[0].asset_id)[1])
    finally:
        store.close()
    data = {
        "assets": [a.to_dict() for a in assets],
        "video": meta,
        "out": str(out) if out else None,
    }
    if json_output:
        print_json(data)
        return
    for a in assets:
        console.print(f"{a.kind} v{a.version} · {a.asset_id} · {a.size_bytes} bytes")
    console.print(f"duration {meta['duration_s']} s · {len(meta['cues'])} subtitle cues")
    _alerts_table(meta["alerts"])


@app.command()
def review(
    draft_id: str = typer.Argument(..., help="The draft to decide on."),
    decision: str = typer.Option(..., help="approve | reject"),
    note: str = typer.Option("", help="Why."),
    actor: str | None = ACTOR,
    json_output: bool = JSON,
) -> None:
    """Approve or reject a draft (not your own; never one with an alert). 审核。"""
    store = _store()
    try:
        done = store.review(draft_id, _actor(actor), decision, note)
    finally:
        store.close()
    if json_output:
        print_json(done.to_dict())
        return
    console.print(
        f"{done.decision} · draft {draft_id} · by {done.reviewer} · rules {done.rulebook}"
    )


@app.command("list")
def list_drafts(
    status: str | None = typer.Option(None, help="draft | approved | rejected"),
    limit: int = typer.Option(50, min=1, max=500),
    json_output: bool = JSON,
) -> None:
    """The latest drafts. 草稿列表。"""
    store = _store()
    try:
        rows = store.list_drafts(limit, status)
    finally:
        store.close()
    if json_output:
        print_json(rows)
        return
    print_table(
        "drafts / 草稿",
        ["draft_id", "created", "by", "channel", "lang", "status", "alerts", "headline"],
        [(r["draft_id"], r["created_at"][:19], r["created_by"], r["channel"], r["lang"],
          r["status"], r["alerts"], r["headline"][:30]) for r in rows],
    )  # fmt: skip


@app.command()
def show(
    draft_id: str = typer.Argument(...),
    json_output: bool = JSON,
) -> None:
    """A draft with its reviews and assets. 查看。"""
    store = _store()
    try:
        stored = store.get_draft(draft_id)
        data = stored.to_dict()
        data["reviews"] = [r.to_dict() for r in store.reviews(draft_id)]
        data["assets"] = [a.to_dict() for a in store.assets(draft_id)]
    finally:
        store.close()
    if json_output:
        print_json(data)
        return
    console.print(f"draft {draft_id} · {stored.status} · by {stored.created_by}")
    console.print(stored.draft.text, markup=False, highlight=False)
    _alerts_table(data["alerts"])
    print_table(
        "assets / 素材",
        ["asset_id", "kind", "version", "bytes", "alerts"],
        [(a["asset_id"], a["kind"], a["version"], a["size_bytes"], a["alerts"])
         for a in data["assets"]],
    )  # fmt: skip


@app.command()
def get(
    asset_id: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", dir_okay=False, help="Where to write the file."),
    json_output: bool = JSON,
) -> None:
    """Download an asset (its sha256 checked). 下载素材。"""
    store = _store()
    try:
        asset, data = store.get_asset(asset_id)
    finally:
        store.close()
    out.write_bytes(data)
    if json_output:
        print_json({"asset": asset.to_dict(), "out": str(out)})
    else:
        console.print(f"{asset.filename} -> {out} ({asset.size_bytes} bytes)")
