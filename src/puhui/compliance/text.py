"""Sentences with their spans: the unit the classifier judges and an alert points at."""

from __future__ import annotations

import re
from dataclasses import dataclass

_END = re.compile(r"[。！？!?；;\n]+|(?<=[A-Za-z0-9%\)\"'])\.(?=\s|$)")
_CJK = re.compile(r"[\u3400-\u9fff]")
_TRIM = " \t\r\n，,、：:\"'“”‘’"


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


def language_of(text: str) -> str:
    """'zh' when the text has any CJK character, else 'en'."""
    return "zh" if _CJK.search(text) else "en"


def sentences(text: str) -> list[Sentence]:
    """Non-empty sentences of `text`; each span indexes `text` itself (punctuation excluded)."""
    out: list[Sentence] = []
    start = 0
    for match in _END.finditer(text):
        _add(out, text, start, match.start())
        start = match.end()
    _add(out, text, start, len(text))
    return out


def _add(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))
