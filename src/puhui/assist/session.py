"""One live call: turns in; transcript segments, script suggestions and compliance alerts out.

The session keeps what the rules need to know about the conversation so far: whether the
customer's identity was verified, whether the APR was already disclosed, who is listening
(the customer or a third party), and the call's stage. The agent's sentences are checked with
`puhui.compliance.check` on the `call` channel; the customer's sentences drive script
retrieval. Everything here is in memory and pure of I/O; `service.AssistService` stores it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import time as clock_time
from enum import StrEnum
from typing import Any

from puhui.assist.customer import CustomerCard
from puhui.assist.scripts import ScriptIndex, Suggestion
from puhui.compliance import Alert, Context, check
from puhui.compliance.classifier import ClaimClassifier
from puhui.compliance.rules import RuleBook
from puhui.compliance.text import language_of
from puhui.errors import ValidationError

MAX_TURN_CHARS = 2_000
#: A customer utterance this close to the third-party script's cues means someone else
#: answered ("我是他老婆", "he's not here"): from then on the listener is a third party.
THIRD_PARTY_SIMILARITY = 0.90
THIRD_PARTY_SCRIPT = "C-THIRD"
#: The agent asks for verification, and the customer answers with digits or a date.
_ASKS_VERIFICATION = re.compile(
    r"后四位|核实.{0,6}身份|身份.{0,4}核实|出生日期"
    r"|verify|confirm your|last four digits|date of birth",
    re.IGNORECASE,
)
_ANSWERS_VERIFICATION = re.compile(r"\d{4}|\d{1,2}[月/.-]\d{1,2}|[零一二三四五六七八九]{4}")


class Speaker(StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"

    @classmethod
    def parse(cls, value: str) -> Speaker:
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise ValidationError("speaker must be agent or customer", field="speaker") from None


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: Speaker
    text: str
    start_ms: int | None = None
    end_ms: int | None = None
    source: str = "text"  # "text" (typed or a chat channel) | "asr"

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValidationError("a turn needs text", field="text")
        if len(self.text) > MAX_TURN_CHARS:
            raise ValidationError(f"a turn is at most {MAX_TURN_CHARS} characters", field="text")


@dataclass(frozen=True, slots=True)
class Segment:
    seq: int
    speaker: Speaker
    text: str
    start_ms: int | None
    end_ms: int | None
    source: str
    lang: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "speaker": str(self.speaker),
            "text": self.text,
            "start_ms": self.start_ms,
            "end_ms": self.end_ms,
            "source": self.source,
            "lang": self.lang,
        }


@dataclass(slots=True)
class TurnResult:
    segment: Segment
    alerts: list[Alert]
    suggestions: list[Suggestion]
    stage: str
    latency_ms: float
    events: list[str] = field(default_factory=list)  # "identity_verified", "third_party", ...

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment": self.segment.to_dict(),
            "alerts": [a.to_dict() for a in self.alerts],
            "suggestions": [s.to_dict() for s in self.suggestions],
            "stage": self.stage,
            "latency_ms": round(self.latency_ms, 2),
            "events": list(self.events),
        }


class CallSession:
    """The state of one live call and what each new turn produces."""

    def __init__(
        self,
        call_id: str,
        *,
        purpose: str,
        card: CustomerCard,
        index: ScriptIndex,
        local_time: clock_time | None = None,
        lang: str | None = None,
        agent: str = "",
        book: RuleBook | None = None,
        classifier: ClaimClassifier | bool | None = True,
    ) -> None:
        self.call_id = call_id
        self.purpose = purpose
        self.card = card
        self.index = index
        self.local_time = local_time
        self.lang = lang
        self.agent = agent
        self.book = book
        self.classifier = classifier
        self.identity_verified = False
        self.apr_disclosed = False
        self.party = "customer"
        self.stage = "opening"
        self.segments: list[Segment] = []
        self.alerts: list[tuple[int, Alert]] = []  # (segment seq, alert)
        self._asked_verification = False
        Context(purpose=purpose)  # checks the purpose now, not at the first turn

    # -- controls the agent's screen sends ---------------------------------------------------
    def verify_identity(self) -> None:
        """The agent confirmed the customer's identity (the verification step passed)."""
        self.identity_verified = True
        self.party = "customer"
        if self.stage in ("opening", "verification"):
            self.stage = "reminder" if self.purpose == "collection" else "explanation"

    def set_party(self, party: str) -> None:
        self.party = Context(party=party).party

    def context(self) -> Context:
        return Context(
            purpose=self.purpose,
            party=self.party,
            identity_verified=self.identity_verified,
            apr_disclosed=self.apr_disclosed,
            local_time=self.local_time,
        )

    # -- the live path ------------------------------------------------------------------------
    def on_turn(self, turn: Turn) -> TurnResult:
        started = time.perf_counter()
        lang = language_of(turn.text)
        segment = Segment(
            len(self.segments) + 1,
            turn.speaker,
            turn.text,
            turn.start_ms,
            turn.end_ms,
            turn.source,
            lang,
        )
        self.segments.append(segment)
        events: list[str] = []
        alerts: list[Alert] = []
        suggestions: list[Suggestion] = []
        if turn.speaker is Speaker.AGENT:
            alerts = self._check(turn.text)
            self._asked_verification = bool(_ASKS_VERIFICATION.search(turn.text))
        else:
            if self._asked_verification and _ANSWERS_VERIFICATION.search(turn.text):
                self.verify_identity()
                events.append("identity_verified")
            self._asked_verification = False
            suggestions = self._suggest(lang, events)
        return TurnResult(
            segment,
            alerts,
            suggestions,
            self.stage,
            (time.perf_counter() - started) * 1000,
            events,
        )

    def _check(self, text: str) -> list[Alert]:
        found = check(
            text,
            channel="call",
            context=self.context(),
            book=self.book,
            classifier=self.classifier,
        )
        seq = len(self.segments)
        earlier = {a.rule_id for _, a in self.alerts if a.method == "context"}
        kept = [a for a in found if not (a.method == "context" and a.rule_id in earlier)]
        self.alerts.extend((seq, a) for a in kept)
        if not self.apr_disclosed and self._discloses_apr(text):
            self.apr_disclosed = True
        return kept

    def _discloses_apr(self, text: str) -> bool:
        from puhui.compliance.rules import shipped_rulebook

        book = self.book or shipped_rulebook()
        claim = book.claims.get("apr_annualised")
        return claim is not None and any(p.search(text) for p in claim.patterns)

    def _suggest(self, lang: str, events: list[str]) -> list[Suggestion]:
        words = self.segments[-1].text  # the customer's turn that just ended
        facts = self.card.facts() | ({"verified"} if self.identity_verified else set())
        out = self.index.recommend(
            words,
            purpose=self.purpose,
            stage=self.stage,
            facts=facts,
            values=self._values(lang),
            lang=self.lang or lang,
        )
        if not out:
            return out
        top = out[0]
        if (
            top.script_id == THIRD_PARTY_SCRIPT
            and not self.identity_verified
            and self.party != "third_party"
            and top.score >= THIRD_PARTY_SIMILARITY
        ):
            self.party = "third_party"
            events.append("third_party")
        if top.stage != self.stage and top.stage not in ("opening",):
            self.stage = top.stage
        return out

    def _values(self, lang: str) -> dict[str, str]:
        values = self.card.values(self.lang or lang)
        values["agent"] = self.agent
        return values

    # -- the record -----------------------------------------------------------------------
    def transcript(self) -> str:
        names = {Speaker.AGENT: "坐席/Agent", Speaker.CUSTOMER: "客户/Customer"}
        return "\n".join(f"{names[s.speaker]}: {s.text}" for s in self.segments)
