"""/v1/models: the registered PD models, their metrics and model cards."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from puhui.api.dependencies import DecisionsDep, RiskReader
from puhui.governance.registry import list_models, model_card

router = APIRouter(prefix="/v1/models", tags=["models"])


@router.get("", summary="Registered models, newest first")
def models(decisions: DecisionsDep, key: RiskReader) -> list[dict[str, Any]]:
    rows = decisions.with_db(list_models)
    return [
        {k: v for k, v in row.items() if k != "metrics"} | {"auc": _auc(row["metrics"])}
        for row in rows
    ]


def _auc(metrics: dict[str, Any]) -> float | None:
    for path in (("assessment", "auc"), ("test", "auc"), ("auc",)):
        node: Any = metrics
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, int | float):
            return float(node)
    return None


@router.get("/{version}/metrics", summary="A model's metrics report")
def metrics(decisions: DecisionsDep, version: str, key: RiskReader) -> dict[str, Any]:
    found, _ = decisions.with_db(lambda db: model_card(db, version))
    result: dict[str, Any] = found
    return result


@router.get(
    "/{version}/card",
    summary="A model's card (Markdown)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/markdown": {}}}},
)
def card(decisions: DecisionsDep, version: str, key: RiskReader) -> PlainTextResponse:
    _, text = decisions.with_db(lambda db: model_card(db, version))
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
