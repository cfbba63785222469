"""Posters and social cards from layouts as data (Pillow), with the offer's figures, the
disclosure line and a QR code to the offer.

`render(draft)` draws the layout of the draft's channel and returns the image with the boxes it
drew (name, text, pixel rectangle, font size, lines): tests and reviewers read the disclosure
off the renderer's own layout data, and the text actually on the image is checked again by the
compliance engine (a body cut to fit is still what is judged).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import segno
from PIL import Image, ImageDraw, ImageFont

from puhui.compliance import Alert
from puhui.errors import PuhuiError, ValidationError
from puhui.studio.copy import Draft, compliance_alerts

LAYOUT_OF_CHANNEL = {"poster": "poster", "social": "social", "video": "video"}
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
)
LINE_SPACING = 1.3


class RenderError(PuhuiError):
    code = "render_failed"


@lru_cache(maxsize=1)
def layouts() -> dict[str, Any]:
    text = resources.files("puhui.studio").joinpath("data/layouts.toml").read_text("utf-8")
    return tomllib.loads(text)


@lru_cache(maxsize=4)
def font_path(name: str | None = None) -> str:
    """The file of the layout's font (fontconfig first, then Debian's path)."""
    name = name or str(layouts()["font"])
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", name], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and "wqy" in found.lower() and Path(found).exists():
            return found
    for path in FONT_PATHS:
        if Path(path).exists():
            return path
    raise RenderError(
        f"font {name!r} is not installed (Debian: apt-get install fonts-wqy-zenhei, or"
        " `make browser`)",
        field="font",
    )


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    return Path(font_path()).read_bytes()


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(_font_bytes()), size)


@dataclass(frozen=True, slots=True)
class DrawnBox:
    name: str
    kind: str  # "text" | "qr"
    text: str  # what was drawn (for a QR code: the URL it encodes)
    box: tuple[int, int, int, int]  # the layout's rectangle: left, top, right, bottom
    ink: tuple[int, int, int, int]  # the rectangle the drawn lines occupy
    font_size: int = 0
    lines: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "text": self.text,
            "box": list(self.box),
            "ink": list(self.ink),
            "font_size": self.font_size,
            "lines": list(self.lines),
        }


@dataclass(slots=True)
class Rendered:
    layout: str
    image: Image.Image
    boxes: list[DrawnBox]
    alerts: tuple[Alert, ...] = field(default=())

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    def box(self, name: str) -> DrawnBox:
        for b in self.boxes:
            if b.name == name:
                return b
        raise KeyError(name)

    @property
    def text(self) -> str:
        """Every text drawn, in layout order: what the compliance check judges."""
        return "\n".join(b.text for b in self.boxes if b.kind == "text" and b.text)

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="PNG", optimize=False)
        return out.getvalue()

    def to_dict(self) -> dict[str, Any]:
        return {
            "layout": self.layout,
            "size": list(self.size),
            "boxes": [b.to_dict() for b in self.boxes],
            "compliant": not self.alerts,
            "alerts": [a.to_dict() for a in self.alerts],
        }


_TOKEN = re.compile(r"[A-Za-z0-9%.,'’\-–:;()/&+$¥]+\s*|\s+|.")
_NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)%")


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines of `text` no wider than `width`: CJK breaks between characters, Latin between
    words; closing punctuation never starts a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            candidate = line + token
            if not line or font.getlength(candidate.rstrip()) <= width:
                line = candidate
                continue
            if token[0] in _NO_LINE_START:  # keep the mark with the line before it
                line = candidate
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
        if line.strip():
            lines.append(line.rstrip())
    return lines


def _lines_at(text: str, size: int, w: int, h: int) -> list[str] | None:
    font = _font(size)
    lines = wrap(text, font, w)
    fits = len(lines) * size * LINE_SPACING <= h + size * (LINE_SPACING - 1)
    return lines if fits and all(font.getlength(line) <= w for line in lines) else None


def _fit(text: str, spec: dict[str, Any]) -> tuple[int, list[str]] | None:
    """The largest size (in steps of 2 px from `size` down to `min_size`) at which the text
    fits its box, found by bisection (a smaller font never needs more room): a few font loads
    instead of one per size."""
    _, _, w, h = spec["box"]
    sizes = list(range(int(spec["size"]), int(spec["min_size"]) - 1, -2))
    best: tuple[int, list[str]] | None = None
    low, high = 0, len(sizes) - 1  # sizes[low] is the largest not yet ruled out
    while low <= high:
        mid = (low + high) // 2
        lines = _lines_at(text, sizes[mid], w, h)
        if lines is None:
            low = mid + 1
        else:
            best = (sizes[mid], lines)
            high = mid - 1
    return best


_SENTENCE = re.compile(r".+?(?:[。！？!?；;]|\.(?=\s|$))\s*|.+$", re.S)


def _sentences_of(text: str) -> list[str]:
    """Sentences with their trailing space kept (so joining them gives the text back)."""
    return _SENTENCE.findall(text)


def _text_for(spec: dict[str, Any], draft: Draft) -> str:
    lang = draft.brief.lang
    values = draft.facts.values(lang)
    source = spec.get("source", "")
    if source == "lender":
        return values["lender"]
    if source == "figure":
        return str(layouts()["figure"][lang]).format(**values)
    if source == "text":
        return str(spec["text"][lang])
    if source in ("headline", "body", "disclosure"):
        return str(getattr(draft, source))
    raise ValidationError(f"unknown box source {source!r}", field=f"boxes.{spec['name']}")


def _qr(url: str, size: int) -> Image.Image:
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=max(1, size // (code.symbol_size(border=2)[0])), border=2)
    out.seek(0)
    return Image.open(out).convert("RGB").resize((size, size), Image.Resampling.NEAREST)


def render(draft: Draft, layout: str | None = None) -> Rendered:
    """Draw `draft` on its channel's layout (or `layout`), recording every box drawn."""
    name = layout or LAYOUT_OF_CHANNEL.get(draft.brief.channel, "poster")
    if name not in layouts()["layouts"]:
        known = ", ".join(sorted(layouts()["layouts"]))
        raise ValidationError(f"layout must be one of {known}", field="layout")
    spec = layouts()["layouts"][name]
    width, height = spec["size"]
    image = Image.new("RGB", (width, height), spec["background"])
    draw = ImageDraw.Draw(image)
    if "panel" in spec:
        x, y, w, h = spec["panel"]["box"]
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=spec["panel"]["color"])
    boxes: list[DrawnBox] = []
    for box in spec["boxes"]:
        x, y, w, h = box["box"]
        rect = (x, y, x + w, y + h)
        if box.get("kind") == "qr":
            side = min(w, h)
            image.paste(_qr(draft.brief.offer_url, side), (x, y))
            boxes.append(
                DrawnBox(box["name"], "qr", draft.brief.offer_url, rect, (x, y, x + side, y + side))
            )
            continue
        text = _text_for(box, draft)
        fitted = _fit(text, box)
        while fitted is None and box["source"] == "body" and len(_sentences_of(text)) > 1:
            text = "".join(_sentences_of(text)[:-1]).strip()  # drop the last sentence
            fitted = _fit(text, box)
        if fitted is None:
            raise RenderError(
                f"the {box['name']} does not fit its box in layout {name!r}",
                field=box["name"],
            )
        size, lines = fitted
        font = _font(size)
        step = round(size * LINE_SPACING)
        right = x
        for n, line in enumerate(lines):
            draw.text((x, y + n * step), line, font=font, fill=box["color"])
            right = max(right, x + round(font.getlength(line)))
        bottom = y + (len(lines) - 1) * step + size
        boxes.append(
            DrawnBox(box["name"], "text", text, rect, (x, y, right, bottom), size, tuple(lines))
        )
    rendered = Rendered(name, image, boxes)
    rendered.alerts = compliance_alerts(rendered.text, draft.brief.channel, draft.facts)
    return rendered
