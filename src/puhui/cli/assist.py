"""`puhui assist`: compliance checks, transcription and replay of recorded calls."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from puhui.cli.common import JSON
from puhui.errors import ValidationError
from puhui.output import console, print_json, print_table

app = typer.Typer(help="Agent assist (智能坐席辅助): compliance, transcription, replay.")

CHANNEL = typer.Option("call", help="call | sms | poster | copy | app_message | chat")
PURPOSE = typer.Option(None, help="marketing | collection | service (default: every rule)")


def _context(purpose: str | None, context: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if context:
        try:
            loaded = json.loads(context)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"--context is not JSON: {exc}", field="context") from exc
        if not isinstance(loaded, dict):
            raise ValidationError("--context must be a JSON object", field="context")
        out.update(loaded)
    if purpose:
        out["purpose"] = purpose
    return out


@app.command("check")
def check_command(
    text: str = typer.Option(None, "--text", help="The text to check."),
    file: Path = typer.Option(None, "--file", help="Or a UTF-8 text file to check."),
    channel: str = CHANNEL,
    purpose: str = PURPOSE,
    context: str = typer.Option(
        None, help='JSON, e.g. {"identity_verified": false, "local_time": "22:30"}'
    ),
    patterns_only: bool = typer.Option(False, "--patterns-only", help="Skip the classifier."),
    json_output: bool = JSON,
) -> None:
    """Check a text against the compliance rules: each alert cites its rule and span."""
    from puhui.compliance import check
    from puhui.compliance.rules import shipped_rulebook

    if (text is None) == (file is None):
        raise ValidationError("give --text or --file", field="text")
    body = text if text is not None else file.read_text(encoding="utf-8")
    alerts = check(
        body, channel=channel, context=_context(purpose, context), classifier=not patterns_only
    )
    book = shipped_rulebook()
    if json_output:
        print_json(
            {
                "alerts": [a.to_dict() for a in alerts],
                "rulebook_version": book.version,
                "rulebook_digest": book.digest,
            }
        )
        return
    if not alerts:
        console.print("[green]no alerts / 未发现违规[/green]")
        return
    print_table(
        f"{len(alerts)} alert(s) / 违规提示",
        ["rule", "severity", "span", "words", "by", "source"],
        [(a.rule_id, a.severity, f"{a.start}-{a.end}", a.text, a.method, a.source) for a in alerts],
    )


@app.command("rules")
def rules_command(json_output: bool = JSON) -> None:
    """The rulebook: every rule with its severity, channels and source."""
    from puhui.compliance.rules import shipped_rulebook

    book = shipped_rulebook()
    if json_output:
        print_json(
            {
                "version": book.version,
                "digest": book.digest,
                "rules": [r.to_dict() for r in book.rules],
            }
        )
        return
    print_table(
        f"rulebook {book.version} ({book.digest})",
        ["rule", "v", "severity", "channels", "title", "source"],
        [
            (r.id, r.version, r.severity, ",".join(sorted(r.channels)), r.title["zh"], r.cite())
            for r in book.rules
        ],
    )


@app.command("transcribe")
def transcribe_command(
    file: Path = typer.Argument(..., help="A 16-bit PCM WAV (stereo: agent left, customer right)."),
    language: str = typer.Option(None, help="zh | en (default: detected)"),
    json_output: bool = JSON,
) -> None:
    """Transcribe a recorded call with voice-activity segmentation, one speaker per channel."""
    from puhui.assist.stream import file_turns
    from puhui.assist.transcribe import read_wav, transcriber_from_settings
    from puhui.settings import get_settings

    if not file.is_file():
        raise ValidationError(f"no file {file}", field="file")
    transcriber = transcriber_from_settings(get_settings())
    duration = len(read_wav(file)[0]) / 16_000
    started = time.perf_counter()
    load = getattr(transcriber, "model", None)
    if load is not None:
        load()  # the model's load time is not part of the real-time factor
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    turns = file_turns(str(file), transcriber, language=language)
    seconds = time.perf_counter() - started
    out = {
        "model": transcriber.name,
        "audio_seconds": round(duration, 2),
        "load_seconds": round(loaded, 2),
        "seconds": round(seconds, 2),
        "rtf": round(seconds / duration, 3) if duration else None,
        "segments": [
            {"speaker": str(t.speaker), "start_ms": t.start_ms, "end_ms": t.end_ms, "text": t.text}
            for t in turns
        ],
    }
    if json_output:
        print_json(out)
        return
    print_table(
        f"{file.name}: {duration:.1f} s of audio in {seconds:.1f} s ({transcriber.name})",
        ["speaker", "from", "to", "text"],
        [(t.speaker, t.start_ms, t.end_ms, t.text) for t in turns],
    )


@app.command("replay")
def replay_command(
    file: Path = typer.Argument(..., help="A WAV recording, or JSON: a list of turns."),
    purpose: str = typer.Option("marketing", help="marketing | collection | service"),
    customer: str = typer.Option(None, help="Customer id: the card comes from the database."),
    lang: str = typer.Option("zh", help="zh | en: the language of the suggestions."),
    local_time: str = typer.Option(None, help="The customer's local time, HH:MM."),
    json_output: bool = JSON,
) -> None:
    """Run a recorded call through the live path and print its timeline."""
    from puhui.assist.replay import replay

    timeline = replay(file, purpose=purpose, customer_id=customer, lang=lang, local_time=local_time)
    if json_output:
        print_json(timeline)
        return
    rows = []
    for step in timeline["turns"]:
        seg = step["segment"]
        alerts = "; ".join(f"{a['rule_id']}: {a['text']}" for a in step["alerts"])
        best = step["suggestions"][0]["script_id"] if step["suggestions"] else ""
        rows.append((seg["seq"], seg["speaker"], seg["text"], alerts, best, step["latency_ms"]))
    print_table(
        f"replay of {file.name} ({purpose})",
        ["#", "speaker", "text", "alerts", "suggestion", "ms"],
        rows,
    )
    card = timeline["scorecard"]
    console.print(f"QA score / 质检得分: [bold]{card['score']}[/bold] ({card['grade']})")
