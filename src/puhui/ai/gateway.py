"""The one door to every model: route, redact, call, record, re-personalize.

Features ask the gateway for a task by name; they never talk to a model server directly. The
gateway picks the route, redacts personal data before any text reaches a large model, records
the call (redacted) in `ai_calls`, and gives the personal data back only to a caller who may
see it. Without a large model it says so and uses the task's deterministic path if it has one.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from puhui.ai.audit import CallLog, CallRecord
from puhui.ai.client import Completion, LlmClient, LlmUnavailableError, endpoints_from_settings
from puhui.ai.redact import RedactingFilter, Redaction, Vault, redact
from puhui.ai.router import Route, Task, TaskKind, Tier, get_task, route
from puhui.errors import PuhuiError

# Whatever reaches this logger, even a raw prompt by mistake, is redacted on the way out.
logger = logging.getLogger(__name__)
logger.addFilter(RedactingFilter())

SYSTEM_PROMPTS = {
    TaskKind.SUMMARIZE: (
        "You summarize customer-service conversations for a lending company in 2-4 short "
        "sentences, in the language of the text. 请用原文语言简要总结。Keep placeholders such "
        "as <NAME_1> or <PHONE_1> exactly as written."
    ),
    TaskKind.DRAFT: (
        "You draft short, polite, compliant messages for a lending company. No threats, no "
        "third-party disclosure. Keep placeholders such as <NAME_1> exactly as written."
    ),
    TaskKind.CHAT: (
        "You are an assistant for customer-service agents of an inclusive-lending company. "
        "Answer briefly. Keep placeholders such as <NAME_1> exactly as written."
    ),
}


class PolicyRefusedError(PuhuiError):
    """The task's policy keeps some of its data classes away from the large model."""

    code = "ai_policy_refused"


@dataclass(slots=True)
class GatewayResult:
    task: str
    route: Route
    outcome: str
    text: str  # what the model answered, still redacted
    personalized: str | None = None  # with personal data restored, for an allowed caller only
    redaction: Redaction | None = None
    completion: Completion | None = None
    data: Any = None  # structured output of a small model (hits, entities, labels)
    note: str = ""
    call_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "task": self.task,
            "outcome": self.outcome,
            "route": self.route.to_dict(),
            "text": self.text,
            "note": self.note,
            "call_id": self.call_id,
        }
        if self.personalized is not None:
            out["personalized"] = self.personalized
        if self.redaction is not None:
            out["redacted_prompt"] = self.redaction.text
            out["entities"] = self.redaction.counts()
        if self.completion is not None:
            out["model"] = self.completion.model
            out["endpoint"] = self.completion.endpoint
            out["prompt_tokens"] = self.completion.usage.prompt_tokens
            out["completion_tokens"] = self.completion.usage.completion_tokens
            out["latency_ms"] = round(self.completion.latency_ms, 1)
            out["attempts"] = self.completion.attempts
        if self.data is not None:
            out["data"] = self.data
        return out


def extractive_summary(text: str, max_chars: int = 160) -> str:
    """The deterministic stand-in for a summary: the leading sentences, up to `max_chars`."""
    sentences = [s for s in re.split(r"(?<=[。！？!?.;；])\s*", text.strip()) if s]
    out = ""
    for sentence in sentences:
        if out and len(out) + len(sentence) > max_chars:
            break
        out += sentence if not out or _cjk(sentence) else " " + sentence
    return out[:max_chars] if out else text[:max_chars]


def _cjk(text: str) -> bool:
    return bool(re.search(r"[\u3400-\u9fff]", text))


class Gateway:
    """Runs tasks; `client` is None when no large model is configured."""

    def __init__(self, client: LlmClient | None, log: CallLog | None) -> None:
        self.client = client
        self.log = log

    @classmethod
    def from_settings(cls, settings: Any, log: CallLog | None) -> Gateway:
        from puhui.ai.client import client_from_settings

        client = client_from_settings(settings) if endpoints_from_settings(settings) else None
        return cls(client, log)

    def plan(self, task: str | Task) -> Route:
        """The route a task would take (the dry run): nothing is called or recorded."""
        spec = get_task(task) if isinstance(task, str) else task
        return route(spec, list(self.client.endpoints) if self.client else [])

    def run(
        self,
        task: str | Task,
        text: str,
        *,
        caller: str,
        may_see_personal: bool = False,
        on_delta: Callable[[str], None] | None = None,
    ) -> GatewayResult:
        """Run `task` on `text` for `caller`; every outcome is recorded in `ai_calls`."""
        spec = get_task(task) if isinstance(task, str) else task
        plan = self.plan(spec)
        if plan.tier is Tier.SMALL:
            return self._run_small(spec, plan, text, caller)
        return self._run_large(spec, plan, text, caller, may_see_personal, on_delta)

    # small models ---------------------------------------------------------------------------

    def _run_small(self, spec: Task, plan: Route, text: str, caller: str) -> GatewayResult:
        redaction = redact(text)
        started = time.perf_counter()
        data: Any
        if spec.kind is TaskKind.RETRIEVE:
            from puhui.ai.faq import shipped_faq

            answers = shipped_faq().ask(text, 3)
            data = [a.to_dict() for a in answers]
            answer = answers[0].answer if answers else ""
        elif spec.kind is TaskKind.CLASSIFY:  # nearest FAQ question: its id is the label
            from puhui.ai.faq import shipped_faq

            best = shipped_faq().ask(text, 1)[0]
            data = {"label": best.id, "score": round(best.score, 4)}
            answer = best.id
        else:
            data = [e.to_dict() | {"text": e.token} for e in redaction.entities]
            answer = json.dumps(redaction.counts(), ensure_ascii=False, sort_keys=True)
        latency = (time.perf_counter() - started) * 1000
        result = GatewayResult(spec.name, plan, "ok", redact(answer).text, redaction=redaction)
        result.data = data
        result.call_id = self._record(
            spec, plan, caller, redaction, "ok", response=result.text, model=plan.model,
            endpoint="in-process", latency_ms=latency, attempts=1,
        )  # fmt: skip
        return result

    # the large model ------------------------------------------------------------------------

    def _run_large(
        self,
        spec: Task,
        plan: Route,
        text: str,
        caller: str,
        may_see_personal: bool,
        on_delta: Callable[[str], None] | None,
    ) -> GatewayResult:
        vault = Vault()
        redaction = redact(text, vault)
        if not plan.allowed:
            self._record(spec, plan, caller, redaction, "refused", error=plan.reason)
            raise PolicyRefusedError(f"{spec.name}: {plan.reason}", field="task")
        if self.client is None:
            return self._without_large_model(spec, plan, caller, redaction, vault, may_see_personal)
        system = SYSTEM_PROMPTS.get(spec.kind, SYSTEM_PROMPTS[TaskKind.CHAT])
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": redaction.text},
        ]
        try:
            completion = self._complete(messages, plan, on_delta)
        except PuhuiError as exc:
            self._record(
                spec, plan, caller, redaction, "error",
                endpoint=",".join(plan.endpoints), error=exc.message,
            )  # fmt: skip
            raise
        answer = redact(completion.text).text  # a model may invent numbers; log none of them
        result = GatewayResult(
            spec.name, plan, "ok", answer, redaction=redaction, completion=completion
        )
        if may_see_personal:
            result.personalized = vault.restore(completion.text)
        result.call_id = self._record(
            spec, plan, caller, redaction, "ok", response=answer, completion=completion,
            error="; ".join(completion.errors),
        )  # fmt: skip
        return result

    def _complete(
        self,
        messages: list[dict[str, str]],
        plan: Route,
        on_delta: Callable[[str], None] | None,
    ) -> Completion:
        assert self.client is not None
        if on_delta is None:
            return self.client.chat(
                messages, max_tokens=plan.max_tokens, temperature=plan.temperature
            )
        stream = self.client.stream_chat(
            messages, max_tokens=plan.max_tokens, temperature=plan.temperature
        )
        for delta in stream:
            on_delta(delta)
        if stream.result is None:  # pragma: no cover - a drained stream always has a result
            raise LlmUnavailableError("the stream ended without an answer", field="stream")
        return stream.result

    def _without_large_model(
        self,
        spec: Task,
        plan: Route,
        caller: str,
        redaction: Redaction,
        vault: Vault,
        may_see_personal: bool,
    ) -> GatewayResult:
        """Say plainly that no large model is configured; use the deterministic path if any."""
        if spec.kind is not TaskKind.SUMMARIZE:
            self._record(spec, plan, caller, redaction, "unavailable", error=plan.reason)
            raise LlmUnavailableError(f"{spec.name}: {plan.reason}", field="llm_base_url")
        summary = extractive_summary(redaction.text)
        result = GatewayResult(
            spec.name, plan, "fallback", summary, redaction=redaction, note=plan.reason
        )
        if may_see_personal:
            result.personalized = vault.restore(summary)
        result.call_id = self._record(
            spec, plan, caller, redaction, "fallback", response=summary, model="extractive",
            endpoint="in-process", error=plan.reason,
        )  # fmt: skip
        return result

    def _record(
        self,
        spec: Task,
        plan: Route,
        caller: str,
        redaction: Redaction,
        outcome: str,
        *,
        response: str = "",
        model: str | None = None,
        endpoint: str = "",
        completion: Completion | None = None,
        latency_ms: float = 0.0,
        attempts: int = 0,
        error: str = "",
    ) -> str:
        """Write the call to the log (redacted) and return its id ("" without a log)."""
        logger.info("ai call %s %s/%s %s: %s", spec.name, plan.tier, plan.engine, outcome,
                 redaction.text)  # fmt: skip
        if self.log is None:
            return ""
        if completion is not None:
            model, endpoint = completion.model, completion.endpoint
            latency_ms, attempts = completion.latency_ms, completion.attempts
        usage = completion.usage if completion is not None else None
        row = self.log.record(
            CallRecord(
                caller=caller,
                task=spec.name,
                kind=str(spec.kind),
                route=f"{plan.tier}/{plan.engine}",
                model=model or plan.model,
                endpoint=endpoint,
                prompt_redacted=redaction.text,
                response_redacted=response,
                entities_redacted=len(redaction.entities),
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
                latency_ms=latency_ms,
                attempts=attempts,
                outcome=outcome,
                error=redact(error).text if error else "",
            )
        )
        return row.id


def open_gateway(settings: Any = None) -> Gateway:
    """The gateway for `settings` (default: the environment), recording into its database."""
    from puhui.db import connect
    from puhui.settings import get_settings

    settings = settings or get_settings()
    return Gateway.from_settings(
        settings, CallLog(connect(settings.database_url), settings.database_url)
    )
