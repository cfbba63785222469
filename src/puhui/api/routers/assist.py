"""/v1/assist: live agent assist and call records; /v1/compliance: check any text.

Agents start, feed and end their own calls (REST or the live WebSocket) and read their own
records; QA supervisors read every call and the alert rates. The WebSocket names its role
like every route (`CallAgentWs`): the key comes in the X-API-Key header, or, from a console
page, in the console's cookie.

Live protocol (JSON messages over the WebSocket):
    in:  {"type": "turn", "speaker": "agent"|"customer", "text": "..."}
         {"type": "audio", "speaker": ..., "pcm16": base64 16 kHz mono, "final": false}
         {"type": "verified"}   {"type": "party", "party": "third_party"}   {"type": "end"}
    out: {"type": "turn", "segment", "alerts", "suggestions", "stage", "latency_ms", "events"}
         {"type": "ended", "record": {...}}   {"type": "error", "code", "detail", "field"}
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Path, Query, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from puhui.api.dependencies import (
    AssistDep,
    CallAgent,
    CallAgentWs,
    CallReader,
    ComplianceChecker,
    DecisionsDep,
    QaSupervisor,
)
from puhui.api.keys import ApiKey, Role
from puhui.api.routers.customers import record_read
from puhui.api.schemas.assist import (
    CallRecordOut,
    CallsOut,
    CallStartedOut,
    CheckIn,
    CheckOut,
    RulesOut,
    StartCallIn,
    StatsOut,
    TurnIn,
    TurnOut,
)
from puhui.assist.service import Agent, AssistService, session_turn
from puhui.compliance import check
from puhui.compliance.rules import shipped_rulebook
from puhui.errors import NotFoundError, PuhuiError, ValidationError

router = APIRouter(prefix="/v1/assist", tags=["assist"])
compliance = APIRouter(prefix="/v1/compliance", tags=["compliance"])

CallId = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="Call id, e.g. call_3f2a…")
LIVE = "/v1/assist/calls/{call_id}/live"


def _sees_all(key: ApiKey) -> bool:
    return key.role in (Role.QA_SUPERVISOR, Role.ADMIN)


def _own_call(service: AssistService, key: ApiKey, call_id: str) -> dict[str, Any]:
    """The record if `key` may see it; agents see their own calls only (others: 404)."""
    record = service.record(call_id)
    if record is None or not (_sees_all(key) or record["agent_key_id"] == key.key_id):
        raise NotFoundError(f"no call {call_id}", field="call_id")
    return record


def _own_live(service: AssistService, key: ApiKey, call_id: str) -> None:
    live = service.live_call(call_id)
    if live.agent.key_id != key.key_id and key.role is not Role.ADMIN:
        raise NotFoundError(f"no live call {call_id}", field="call_id")


@router.post("/calls", status_code=201, summary="Start a call: the customer card and live path")
def start_call(
    body: StartCallIn, key: CallAgent, service: AssistDep, decisions: DecisionsDep
) -> CallStartedOut:
    live = service.start_call(
        Agent(key.key_id, key.label),
        body.customer_id,
        purpose=body.purpose,
        lang=body.lang,
        local_time=body.local_time,
    )
    card = live.session.card.to_dict()
    record_read(  # the card is personal data: logged like any other read
        decisions,
        key,
        live.customer_id,
        [f"card.{name}" for name, value in card.items() if value is not None],
        f"call {live.id}: {body.purpose}",
        "POST /v1/assist/calls",
    )
    return CallStartedOut(
        id=live.id,
        customer_id=live.customer_id,
        purpose=body.purpose,
        lang=body.lang,
        card=card,
        live=LIVE.format(call_id=live.id),
    )


@router.get("/calls", summary="Call records, newest first (agents: their own)")
def list_calls(
    key: CallReader,
    service: AssistDep,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> CallsOut:
    agent = None if _sees_all(key) else key.key_id
    rows = service.store.calls(agent_key_id=agent, limit=limit, offset=offset)
    return CallsOut.model_validate({"calls": rows})


@router.get("/calls/{call_id}", summary="One call: transcript (redacted), alerts, score card")
def get_call(key: CallReader, service: AssistDep, call_id: str = CallId) -> CallRecordOut:
    return CallRecordOut.model_validate(_own_call(service, key, call_id))


@router.post("/calls/{call_id}/turns", summary="Feed a text turn (the live path over REST)")
def add_turn(body: TurnIn, key: CallAgent, service: AssistDep, call_id: str = CallId) -> TurnOut:
    _own_live(service, key, call_id)
    turn = session_turn(body.speaker, body.text, start_ms=body.start_ms, end_ms=body.end_ms)
    result = service.turn(call_id, turn)
    return TurnOut.model_validate(result.to_dict())


@router.post("/calls/{call_id}/verified", status_code=204, summary="Identity verified")
def verified(key: CallAgent, service: AssistDep, call_id: str = CallId) -> None:
    _own_live(service, key, call_id)
    service.verify_identity(call_id)


@router.post("/calls/{call_id}/end", summary="End a call: summary and QA score card")
def end_call(key: CallAgent, service: AssistDep, call_id: str = CallId) -> CallRecordOut:
    _own_live(service, key, call_id)
    return CallRecordOut.model_validate(service.end_call(call_id))


@router.get("/stats", summary="Alert rates by rule and by agent (QA supervisors)")
def stats(key: QaSupervisor, service: AssistDep) -> StatsOut:
    return StatsOut(rules=service.store.rule_rates(), agents=service.store.agent_rates())


@compliance.post("/check", summary="Check a text (call, SMS, poster, copy…) against the rules")
def check_text(body: CheckIn, key: ComplianceChecker) -> CheckOut:
    book = shipped_rulebook()
    alerts = check(body.text, channel=body.channel, context=body.context)
    return CheckOut.model_validate(
        {
            "alerts": [a.to_dict() for a in alerts],
            "rulebook_version": book.version,
            "rulebook_digest": book.digest,
        }
    )


@compliance.get("/rules", summary="The rulebook: rules, sources, severities, channels")
def rules(key: ComplianceChecker) -> RulesOut:
    book = shipped_rulebook()
    return RulesOut(
        version=book.version, digest=book.digest, rules=[r.to_dict() for r in book.rules]
    )


# -- the live WebSocket ---------------------------------------------------------------------
@router.websocket("/calls/{call_id}/live")
async def live(websocket: WebSocket, key: CallAgentWs, service: AssistDep, call_id: str) -> None:
    await run_live(websocket, key, service, call_id)


async def run_live(websocket: WebSocket, key: ApiKey, service: AssistService, call_id: str) -> None:
    """One call's live loop (the console's WebSocket route runs the same loop)."""
    await websocket.accept()
    try:
        await run_in_threadpool(_own_live, service, key, call_id)
    except PuhuiError as exc:
        await _error(websocket, exc)
        await websocket.close(code=4404)
        return
    audio = AudioIn(service, service.live_call(call_id).session.lang)
    try:
        while True:
            message = await websocket.receive_json()
            try:
                if await _handle(websocket, service, audio, call_id, message):
                    return
            except PuhuiError as exc:
                await _error(websocket, exc)
    except WebSocketDisconnect:
        return


async def _handle(
    websocket: WebSocket,
    service: AssistService,
    audio: AudioIn,
    call_id: str,
    message: Any,
) -> bool:
    """Handle one message; True when the call ended."""
    if not isinstance(message, dict):
        raise ValidationError("a message is a JSON object", field="type")
    kind = message.get("type")
    if kind == "turn":
        turn = session_turn(str(message.get("speaker", "")), str(message.get("text", "")))
        await _turn(websocket, service, call_id, turn)
    elif kind == "audio":
        for turn in await run_in_threadpool(audio.push, message):
            await _turn(websocket, service, call_id, turn)
    elif kind == "verified":
        await run_in_threadpool(service.verify_identity, call_id)
        await websocket.send_json({"type": "verified"})
    elif kind == "party":
        await run_in_threadpool(service.set_party, call_id, str(message.get("party", "")))
        await websocket.send_json({"type": "party", "party": message.get("party")})
    elif kind == "end":
        for turn in await run_in_threadpool(audio.flush):
            await _turn(websocket, service, call_id, turn)
        record = await run_in_threadpool(service.end_call, call_id)
        await websocket.send_json({"type": "ended", "record": record})
        await websocket.close()
        return True
    else:
        raise ValidationError("type must be turn, audio, verified, party or end", field="type")
    return False


async def _turn(websocket: WebSocket, service: AssistService, call_id: str, turn: Any) -> None:
    result = await run_in_threadpool(service.process, call_id, turn)
    await websocket.send_json({"type": "turn", **result.to_dict()})
    await run_in_threadpool(service.persist, call_id, result)  # after the answer is out


async def _error(websocket: WebSocket, exc: PuhuiError) -> None:
    await websocket.send_json(
        {"type": "error", "code": exc.code, "detail": exc.message, "field": exc.field}
    )


class AudioIn:
    """Per-speaker segmenters for streamed audio; the transcriber loads on first use."""

    def __init__(self, service: AssistService, lang: str | None) -> None:
        self.service = service
        self.lang = lang
        self.segmenters: dict[str, Any] = {}

    def push(self, message: dict[str, Any]) -> list[Any]:
        from puhui.assist.session import Speaker
        from puhui.assist.stream import ChannelSegmenter, utterance_turns
        from puhui.assist.transcribe import pcm16_to_audio

        speaker = Speaker.parse(str(message.get("speaker", "")))
        try:
            data = base64.b64decode(str(message.get("pcm16", "")), validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("pcm16 must be base64", field="pcm16") from None
        segmenter = self.segmenters.setdefault(str(speaker), ChannelSegmenter(speaker))
        utterances = segmenter.push(pcm16_to_audio(data))
        if message.get("final"):
            utterances += segmenter.flush()
        return utterance_turns(utterances, self.service.transcriber(), self._language())

    def flush(self) -> list[Any]:
        from puhui.assist.stream import utterance_turns

        utterances = [u for s in self.segmenters.values() for u in s.flush()]
        if not utterances:
            return []
        utterances.sort(key=lambda u: u.end_ms)
        return utterance_turns(utterances, self.service.transcriber(), self._language())

    def _language(self) -> str | None:
        return self.lang
