"""Replay a recorded call — audio, or a JSON list of turns — through the live path.

The turns go through the same `CallSession.on_turn` as a live call (compliance check,
script retrieval, stage and identity tracking); nothing is stored. The customer card comes
from the platform database when a customer id is given and the bank has lending tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from puhui.assist.customer import CustomerCard, customer_card
from puhui.assist.scorecard import score_call
from puhui.assist.scripts import shipped_index
from puhui.assist.service import session_turn
from puhui.assist.session import CallSession, Turn
from puhui.compliance.context import parse_time
from puhui.compliance.rules import shipped_rulebook
from puhui.errors import ValidationError


def load_turns(path: Path) -> tuple[list[Turn], dict[str, Any]]:
    """Turns from a JSON file: a list of {speaker, text}, or {"turns": [...], ...options}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{path.name} is not JSON: {exc}", field="file") from exc
    options: dict[str, Any] = {}
    if isinstance(data, dict):
        options = {k: v for k, v in data.items() if k != "turns"}
        data = data.get("turns")
    if not isinstance(data, list) or not data:
        raise ValidationError("expected a non-empty list of turns", field="turns")
    turns = []
    for n, row in enumerate(data):
        if not isinstance(row, dict):
            raise ValidationError(f"turn {n} is not an object", field=f"turns.{n}")
        turns.append(
            session_turn(
                str(row.get("speaker", "")),
                str(row.get("text", "")),
                start_ms=row.get("start_ms"),
                end_ms=row.get("end_ms"),
            )
        )
    return turns, options


def _card(customer_id: str | None) -> CustomerCard:
    if not customer_id:
        return CustomerCard("replay")
    from puhui.servicing.service import LendingService
    from puhui.settings import get_settings

    lending = LendingService(get_settings().database_url)
    try:
        if not lending.db.table_exists("lending_lines"):
            return CustomerCard(customer_id)
        return customer_card(lending, customer_id)
    finally:
        lending.close()


def replay(
    file: str | Path,
    *,
    purpose: str = "marketing",
    customer_id: str | None = None,
    lang: str = "zh",
    local_time: str | None = None,
) -> dict[str, Any]:
    path = Path(file)
    if not path.is_file():
        raise ValidationError(f"no file {path}", field="file")
    if path.suffix.lower() == ".wav":
        from puhui.assist.stream import file_turns
        from puhui.assist.transcribe import transcriber_from_settings
        from puhui.settings import get_settings

        turns = file_turns(str(path), transcriber_from_settings(get_settings()), language=lang)
        options: dict[str, Any] = {}
    else:
        turns, options = load_turns(path)
    purpose = str(options.get("purpose", purpose))
    customer_id = options.get("customer_id", customer_id)
    local_time = options.get("local_time", local_time)
    session = CallSession(
        "replay",
        purpose=purpose,
        card=_card(customer_id),
        index=shipped_index(),
        local_time=parse_time(local_time, "local_time") if local_time else None,
        lang=str(options.get("lang", lang)),
    )
    steps = [session.on_turn(turn).to_dict() for turn in turns]
    alerts = [a for _, a in session.alerts]
    card = score_call(alerts, purpose=purpose, book=shipped_rulebook())
    return {
        "purpose": purpose,
        "customer": session.card.to_dict(),
        "turns": steps,
        "scorecard": card.to_dict(),
    }
