"""Request and response models of agent assist (/v1/assist) and compliance (/v1/compliance)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Purpose = Literal["marketing", "collection", "service"]
Channel = Literal["call", "sms", "poster", "copy", "app_message", "chat", "social", "video"]
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class StartCallIn(Strict):
    customer_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", examples=["C000000042"])
    purpose: Purpose = "marketing"
    lang: Literal["zh", "en"] = "zh"
    local_time: str | None = Field(
        None, pattern=HHMM, description="The customer's local time (HH:MM), for the hours rule"
    )


class TurnIn(Strict):
    speaker: Literal["agent", "customer"]
    text: str = Field(min_length=1, max_length=2000)
    start_ms: int | None = Field(None, ge=0)
    end_ms: int | None = Field(None, ge=0)


class AlertOut(BaseModel):
    rule_id: str
    rule_version: int
    severity: str
    span: list[int] = Field(description="[start, end) in the checked text")
    text: str = Field(description="the words that triggered the alert")
    claim: str | None
    method: str = Field(description="pattern | classifier | context")
    score: float
    source: str = Field(description="the regulation and article the rule comes from")
    title: dict[str, str]


class SuggestionOut(BaseModel):
    script_id: str
    stage: str
    text: str
    score: float
    cue: str
    why: list[str]
    respects: list[str]


class SegmentOut(BaseModel):
    seq: int
    speaker: str
    text: str
    start_ms: int | None
    end_ms: int | None
    source: str
    lang: str


class TurnOut(BaseModel):
    segment: SegmentOut
    alerts: list[AlertOut]
    suggestions: list[SuggestionOut]
    stage: str
    latency_ms: float
    events: list[str]


class CallStartedOut(BaseModel):
    id: str
    customer_id: str
    purpose: str
    lang: str
    card: dict[str, Any] = Field(description="the customer card: line, APR quote, overdue")
    live: str = Field(description="the WebSocket path of the live call")


class StoredSegmentOut(BaseModel):
    seq: int
    speaker: str
    start_ms: int | None
    end_ms: int | None
    source: str
    lang: str
    text: str = Field(description="redacted at rest")
    entities: int
    latency_ms: float


class StoredAlertOut(BaseModel):
    seq: int
    rule_id: str
    rule_version: int
    severity: str
    span: list[int]
    text: str
    claim: str | None
    method: str
    score: float
    source: str


class CallOut(BaseModel):
    id: str
    agent_key_id: str
    agent_label: str
    customer_id: str
    purpose: str
    lang: str
    local_time: str | None
    started_at: str
    ended_at: str | None
    status: str
    stage: str
    identity_verified: bool
    segments: int
    alerts: int
    score: int | None
    grade: str | None
    summary: str | None
    summary_source: str | None
    demo: bool


class CallRecordOut(CallOut):
    scorecard: dict[str, Any] | None
    transcript: list[StoredSegmentOut]
    alert_list: list[StoredAlertOut]


class CallsOut(BaseModel):
    calls: list[CallOut]


class StatsOut(BaseModel):
    rules: list[dict[str, Any]]
    agents: list[dict[str, Any]]


class CheckIn(Strict):
    text: str = Field(max_length=20_000)
    channel: Channel = "call"
    context: dict[str, Any] | None = Field(
        None,
        description="purpose, party (customer|third_party|unknown), identity_verified, "
        "apr_disclosed, local_time (HH:MM)",
    )


class CheckOut(BaseModel):
    alerts: list[AlertOut]
    rulebook_version: str
    rulebook_digest: str


class RulesOut(BaseModel):
    version: str
    digest: str
    rules: list[dict[str, Any]]
