"""Script recommendation (话术推荐): the next thing to say, from the library, with why.

Each script is indexed by its cues (zh and en customer utterances). The customer's last turns
are embedded with the project's multilingual-e5 model and matched against the cues (cosine);
scripts for another purpose, or whose needs the customer's context does not meet (no line, not
overdue, identity not yet verified), are left out; a script of the stage the call is in, or the
natural next one, gets a small lift. The top 3 come back with the figures filled in from the
customer card and the reasons they were chosen.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from puhui.ai.embeddings import Matrix, VectorIndex, embed_queries
from puhui.compliance.rules import PURPOSES
from puhui.errors import ValidationError

STAGES = (
    "opening",
    "verification",
    "explanation",
    "reminder",
    "objection",
    "negotiation",
    "closing",
)
#: Where a call usually goes next from each stage (a script there gets `STAGE_LIFT`).
NEXT = {
    "opening": ("opening", "verification"),
    "verification": ("verification", "explanation", "reminder"),
    "explanation": ("explanation", "objection", "closing"),
    "reminder": ("reminder", "negotiation", "objection"),
    "objection": ("objection", "explanation", "negotiation", "closing"),
    "negotiation": ("negotiation", "closing"),
    "closing": ("closing",),
}
STAGE_LIFT = 0.02
TOP = 3


@dataclass(frozen=True, slots=True)
class Script:
    id: str
    stage: str
    purposes: frozenset[str]
    needs: frozenset[str]
    respects: tuple[str, ...]
    text: Mapping[str, str]
    cues: Mapping[str, tuple[str, ...]]

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(
            name
            for text in self.text.values()
            for _, name, _, _ in string.Formatter().parse(text)
            if name
        )

    def render(self, lang: str, values: Mapping[str, str]) -> str:
        """The script in `lang` with the customer's figures; a missing figure is an error."""
        try:
            return self.text[lang].format_map(values)
        except KeyError as exc:
            raise ValidationError(f"script {self.id} needs {exc}", field="values") from None


@dataclass(frozen=True, slots=True)
class Suggestion:
    script_id: str
    stage: str
    text: str
    score: float
    cue: str  # the cue the customer's words matched best
    why: tuple[str, ...]
    respects: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "script_id": self.script_id,
            "stage": self.stage,
            "text": self.text,
            "score": round(self.score, 4),
            "cue": self.cue,
            "why": list(self.why),
            "respects": list(self.respects),
        }


def parse_library(text: str) -> list[Script]:
    data = tomllib.loads(text)
    out = []
    for row in data.get("scripts", []):
        where = f"scripts.{row.get('id')}"
        if row.get("stage") not in STAGES:
            raise ValidationError(f"{where}: stage {row.get('stage')!r}", field=f"{where}.stage")
        purposes = frozenset(row.get("purposes", []))
        if not purposes or purposes - set(PURPOSES):
            raise ValidationError(f"{where}: purposes", field=f"{where}.purposes")
        cues = {lang: tuple(row.get("cues", {}).get(lang, [])) for lang in ("zh", "en")}
        if not all(cues.values()):
            raise ValidationError(f"{where}: cues in zh and en", field=f"{where}.cues")
        out.append(
            Script(
                id=str(row["id"]),
                stage=str(row["stage"]),
                purposes=purposes,
                needs=frozenset(row.get("needs", [])),
                respects=tuple(row.get("respects", [])),
                text={"zh": str(row["zh"]), "en": str(row["en"])},
                cues=cues,
            )
        )
    return out


def load_library() -> list[Script]:
    """The library shipped in `puhui/assist/data/scripts.toml`."""
    text = resources.files("puhui.assist").joinpath("data/scripts.toml").read_text("utf-8")
    return parse_library(text)


class ScriptIndex:
    """The library and a vector index over every cue of every script."""

    def __init__(self, scripts: Sequence[Script]) -> None:
        self.scripts = {s.id: s for s in scripts}
        self.cue_text: list[str] = [
            c for s in scripts for lang in ("zh", "en") for c in s.cues[lang]
        ]
        keys = [s.id for s in scripts for lang in ("zh", "en") for _ in s.cues[lang]]
        self.index = VectorIndex(keys, embed_queries(self.cue_text))

    def recommend(
        self,
        customer_words: str,
        *,
        purpose: str,
        stage: str,
        facts: set[str],
        values: Mapping[str, str],
        lang: str,
        k: int = TOP,
        query: Matrix | None = None,
    ) -> list[Suggestion]:
        """The `k` best scripts for what the customer just said, with why."""
        if not customer_words.strip():
            return []
        vector = query if query is not None else embed_queries([customer_words])[0]
        scores = self.index.vectors @ vector.reshape(-1).astype(np.float32)
        best: dict[str, tuple[float, int]] = {}
        for row, key in enumerate(self.index.keys):
            score = float(scores[row])
            if key not in best or score > best[key][0]:
                best[key] = (score, row)
        ranked = []
        for script_id, (similarity, row) in best.items():
            script = self.scripts[script_id]
            if purpose not in script.purposes or not script.needs <= facts:
                continue
            if not script.placeholders <= values.keys():  # a figure this customer lacks
                continue
            lifted = script.stage in NEXT.get(stage, (stage,))
            ranked.append(
                (similarity + (STAGE_LIFT if lifted else 0.0), similarity, lifted, row, script)
            )
        ranked.sort(key=lambda r: (-r[0], r[4].id))
        out = []
        for total, similarity, lifted, row, script in ranked[:k]:
            cue = self.cue_text[row]
            why = [_why_words(lang, customer_words, cue, similarity)]
            if lifted:
                why.append(_why_stage(lang, script.stage))
            if "line" in script.needs:
                why.append(_why_line(lang, values))
            if "overdue" in script.needs:
                why.append(_why_overdue(lang, values))
            out.append(
                Suggestion(
                    script.id,
                    script.stage,
                    script.render(lang, values),
                    total,
                    cue,
                    tuple(why),
                    script.respects,
                )
            )
        return out


def _why_words(lang: str, words: str, cue: str, similarity: float) -> str:
    said = words if len(words) <= 40 else words[:39] + "…"
    if lang == "zh":
        return f"客户说“{said}”，接近话术触发语“{cue}”（相似度 {similarity:.2f}）"
    return f"the customer said \u201c{said}\u201d, close to the cue \u201c{cue}\u201d" + (
        f" ({similarity:.2f})"
    )


def _why_stage(lang: str, stage: str) -> str:
    return f"通话阶段：{stage}" if lang == "zh" else f"fits the call's stage: {stage}"


def _why_line(lang: str, values: Mapping[str, str]) -> str:
    if lang == "zh":
        return (
            f"使用客户本人的预授信额度 {values.get('limit', '')}，年化利率 {values.get('apr', '')}"
        )
    return f"uses the customer's own line {values.get('limit', '')} at APR {values.get('apr', '')}"


def _why_overdue(lang: str, values: Mapping[str, str]) -> str:
    if lang == "zh":
        return f"客户逾期 {values.get('dpd', '')} 天，应还 {values.get('overdue_amount', '')}"
    dpd, amount = values.get("dpd", ""), values.get("overdue_amount", "")
    return f"the customer is {dpd} days past due, {amount} to pay"


@lru_cache(maxsize=1)
def shipped_index() -> ScriptIndex:
    """The shipped library's index, built once per process (about 100 cues to embed)."""
    return ScriptIndex(load_library())
