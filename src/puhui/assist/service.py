"""Agent assist as a service: start a call, feed it turns, end it; read the records.

The live path (`process`) is pure computation on the call's session — compliance check or
script retrieval — and is what the 500 ms budget covers; `persist` then stores the turn
redacted. Model inference (the embedding model) runs one turn at a time under a lock: it is
CPU-bound on a small machine, and the model's runtime is not documented as thread-safe.
At the end of a call (`end_call`) the gateway writes the summary (the large model when one
is configured, else the extractive fallback) and the score card is computed and stored.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as clock_time
from typing import Any

from puhui.ai.gateway import Gateway
from puhui.ai.redact import Vault, redact
from puhui.assist.customer import CustomerCard
from puhui.assist.scorecard import ScoreCard, score_call
from puhui.assist.scripts import ScriptIndex, shipped_index
from puhui.assist.session import CallSession, Speaker, Turn, TurnResult
from puhui.assist.store import CallStore, StoredAlert, StoredSegment
from puhui.assist.transcribe import Transcriber, WhisperTranscriber
from puhui.compliance.classifier import shipped_classifier
from puhui.compliance.context import parse_time
from puhui.compliance.rules import RuleBook, shipped_rulebook
from puhui.errors import ConflictError, NotFoundError, ValidationError

SUMMARY_TASK = "call.summarize"
LANGS = ("zh", "en")


class CallClosedError(ConflictError):
    code = "call_closed"


@dataclass(frozen=True, slots=True)
class Agent:
    """Who is on the call: the API key's id and label."""

    key_id: str
    label: str


@dataclass(slots=True)
class LiveCall:
    id: str
    agent: Agent
    customer_id: str
    session: CallSession
    vault: Vault = field(default_factory=Vault)
    lock: threading.Lock = field(default_factory=threading.Lock)


def new_call_id() -> str:
    return "call_" + secrets.token_hex(8)


class AssistService:
    def __init__(
        self,
        url: str,
        card_of: Callable[[str], CustomerCard],
        *,
        gateway: Gateway | None = None,
        index: ScriptIndex | None = None,
        book: RuleBook | None = None,
        transcriber: Callable[[], Transcriber] | None = None,
    ) -> None:
        self.store = CallStore(url)
        self.card_of = card_of
        self.gateway = gateway
        self._index = index
        self.book = book or shipped_rulebook()
        self.live: dict[str, LiveCall] = {}
        self._live_lock = threading.Lock()
        self._compute = threading.Lock()
        self._gateway_lock = threading.Lock()
        self._make_transcriber = transcriber or WhisperTranscriber
        self._transcriber: Transcriber | None = None

    @property
    def index(self) -> ScriptIndex:
        if self._index is None:
            self._index = shipped_index()
        return self._index

    def transcriber(self) -> Transcriber:
        """Speech to text (made on first use: the in-process model takes a second to load)."""
        with self._live_lock:
            if self._transcriber is None:
                self._transcriber = self._make_transcriber()
            return self._transcriber

    def warm(self) -> None:
        """Load the models now (embedding model, classifier, script index), not on a turn."""
        with self._compute:
            shipped_classifier()
            _ = self.index

    # -- the live call ------------------------------------------------------------------------
    def start_call(
        self,
        agent: Agent,
        customer_id: str,
        *,
        purpose: str = "marketing",
        lang: str = "zh",
        local_time: str | clock_time | None = None,
        call_id: str | None = None,
        demo: bool = False,
        started_at: datetime | None = None,
    ) -> LiveCall:
        if not isinstance(customer_id, str) or not customer_id.strip() or len(customer_id) > 64:
            raise ValidationError("customer_id must be 1..64 characters", field="customer_id")
        if lang not in LANGS:
            raise ValidationError("lang must be zh or en", field="lang")
        when = (
            local_time if not isinstance(local_time, str) else parse_time(local_time, "local_time")
        )
        card = self.card_of(customer_id)
        call_id = call_id or new_call_id()
        session = CallSession(
            call_id,
            purpose=purpose,
            card=card,
            index=self.index,
            local_time=when,
            lang=lang,
            agent=agent.label or agent.key_id,
            book=self.book,
        )
        self.store.create_call(
            {
                "id": call_id,
                "agent_key_id": agent.key_id,
                "agent_label": agent.label,
                "customer_id": customer_id,
                "purpose": purpose,
                "lang": lang,
                "local_time": when.strftime("%H:%M") if when else None,
                "started_at": (started_at or datetime.now(UTC)).isoformat(timespec="seconds"),
                "demo": demo,
            }
        )
        live = LiveCall(call_id, agent, customer_id, session)
        with self._live_lock:
            self.live[call_id] = live
        return live

    def live_call(self, call_id: str) -> LiveCall:
        with self._live_lock:
            live = self.live.get(call_id)
        if live is None:
            if self.store.call(call_id) is not None:
                raise CallClosedError(f"call {call_id} has ended", field="call_id")
            raise NotFoundError(f"no live call {call_id}", field="call_id")
        return live

    def process(self, call_id: str, turn: Turn) -> TurnResult:
        """The live path: the turn's alerts and suggestions (nothing stored yet)."""
        live = self.live_call(call_id)
        with live.lock, self._compute:
            return live.session.on_turn(turn)

    def persist(self, call_id: str, result: TurnResult) -> None:
        """Store the turn redacted (one vault per call: same value, same token)."""
        live = self.live_call(call_id)
        with live.lock:
            seg = result.segment
            redaction = redact(seg.text, live.vault)
            stored = StoredSegment(
                seg.seq,
                str(seg.speaker),
                seg.start_ms,
                seg.end_ms,
                seg.source,
                seg.lang,
                redaction.text,
                len(redaction.entities),
                result.latency_ms,
            )
            alerts = [
                StoredAlert(
                    seg.seq,
                    n,
                    a.rule_id,
                    a.rule_version,
                    a.severity,
                    a.span,
                    redact(a.text, live.vault).text,
                    a.claim,
                    a.method,
                    a.score,
                    a.source,
                )
                for n, a in enumerate(result.alerts, 1)
            ]
            self.store.add_turn(
                call_id,
                stored,
                alerts,
                stage=result.stage,
                identity_verified=live.session.identity_verified,
            )

    def turn(self, call_id: str, turn: Turn) -> TurnResult:
        result = self.process(call_id, turn)
        self.persist(call_id, result)
        return result

    def verify_identity(self, call_id: str) -> None:
        live = self.live_call(call_id)
        with live.lock:
            live.session.verify_identity()

    def set_party(self, call_id: str, party: str) -> None:
        live = self.live_call(call_id)
        with live.lock:
            live.session.set_party(party)

    def end_call(self, call_id: str) -> dict[str, Any]:
        """Summary and score card; the record is stored and the live session dropped."""
        live = self.live_call(call_id)
        with live.lock:
            session = live.session
            card = score_call(
                [a for _, a in session.alerts], purpose=session.purpose, book=self.book
            )
            summary, source = self._summarize(live)
            self.store.finish_call(
                call_id,
                ended_at=datetime.now(UTC).isoformat(timespec="seconds"),
                score=card.score,
                grade=card.grade,
                scorecard=card.to_dict(),
                summary=summary,
                summary_source=source,
            )
        with self._live_lock:
            self.live.pop(call_id, None)
        record = self.record(call_id)
        assert record is not None
        return record

    def _summarize(self, live: LiveCall) -> tuple[str, str]:
        """The gateway's summary of the redacted transcript, labelled with how it was made."""
        segments = self.store.segments(live.id)
        names = {"agent": "坐席/Agent", "customer": "客户/Customer"}
        transcript = "\n".join(f"{names[s.speaker]}: {s.text}" for s in segments)
        if not transcript:
            return "", "empty"
        if self.gateway is None:
            return _extractive(segments), "extractive"
        with self._gateway_lock:
            result = self.gateway.run(
                SUMMARY_TASK, transcript, caller=f"assist:{live.agent.key_id}"
            )
        model = result.completion.model if result.completion is not None else "extractive"
        text = result.text if result.outcome == "ok" else _extractive(segments)
        return text, f"{result.outcome}:{model}"

    # -- records ------------------------------------------------------------------------------
    def record(self, call_id: str) -> dict[str, Any] | None:
        call = self.store.call(call_id)
        if call is None:
            return None
        call["transcript"] = [
            {
                "seq": s.seq,
                "speaker": s.speaker,
                "start_ms": s.start_ms,
                "end_ms": s.end_ms,
                "source": s.source,
                "lang": s.lang,
                "text": s.text,
                "entities": s.entities,
                "latency_ms": round(s.latency_ms, 2),
            }
            for s in self.store.segments(call_id)
        ]
        call["alert_list"] = [
            {
                "seq": a.seq,
                "rule_id": a.rule_id,
                "rule_version": a.rule_version,
                "severity": a.severity,
                "span": list(a.span),
                "text": a.trigger,
                "claim": a.claim,
                "method": a.method,
                "score": round(a.score, 3),
                "source": a.source,
            }
            for a in self.store.alerts(call_id)
        ]
        return call

    def scorecard(self, call_id: str) -> ScoreCard | None:
        live = self.live.get(call_id)
        if live is None:
            return None
        return score_call(
            [a for _, a in live.session.alerts], purpose=live.session.purpose, book=self.book
        )

    def close(self) -> None:
        self.store.close()


def _extractive(segments: list[StoredSegment]) -> str:
    """What the customer said and what the agent proposed, in their leading sentences."""
    from puhui.ai.gateway import extractive_summary

    customer = " ".join(s.text for s in segments if s.speaker == Speaker.CUSTOMER.value)
    agent = " ".join(s.text for s in segments if s.speaker == Speaker.AGENT.value)
    parts = []
    if customer:
        parts.append("客户/Customer: " + extractive_summary(customer, 120))
    if agent:
        parts.append("坐席/Agent: " + extractive_summary(agent, 120))
    return " | ".join(parts)


def session_turn(speaker: str, text: str, **timing: Any) -> Turn:
    """A Turn from loose input (the API's and the CLI's)."""
    return Turn(
        Speaker.parse(speaker),
        text,
        timing.get("start_ms"),
        timing.get("end_ms"),
        timing.get("source", "text"),
    )
