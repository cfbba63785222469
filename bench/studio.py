"""Creation platform figures: drafting, poster render time and a 30-second narrated video.

1. Drafts: template copy filled with the product's figures plus the compliance check, per
   draft (median of 30 briefs over every purpose, channel and language; the first call, which
   loads the compliance classifier, timed apart).
2. Images: a 1080x1920 poster and a 1080x1080 social card drawn with Pillow (text wrapped and
   fitted, the QR code, the check of the drawn text), PNG-encoded; cold (the font loaded) and
   warm (median of 10).
3. Video: the English short acquisition draft, whose narration runs about 30 seconds (and the
   Chinese one, whatever its length): espeak-ng speech, then ffmpeg (720x1280, 5 fps, x264
   veryfast, subtitles burned in and as mov_text, AAC); median of 3, with the real-time factor
   (wall seconds / video seconds). Skipped with a note when espeak-ng or ffmpeg is missing.

    python -m bench bench.studio
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from puhui.machine import info, load


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def drafts() -> None:
    from puhui.studio import Brief, draft_copy, offer_facts
    from puhui.studio.copy import CHANNELS, LANGS, PURPOSES

    started = time.perf_counter()
    facts = offer_facts()
    draft_copy(Brief(), facts)
    cold = time.perf_counter() - started
    briefs = [
        Brief(purpose=p, channel=c, lang=lang) for p in PURPOSES for c in CHANNELS for lang in LANGS
    ]
    times = []
    for brief in briefs:
        started = time.perf_counter()
        draft = draft_copy(brief, facts)
        times.append(time.perf_counter() - started)
        assert draft.compliant
    print(
        f"studio drafts: {len(briefs)} briefs, median {_ms(statistics.median(times))} per draft"
        f" (max {_ms(max(times))}); first call with the classifier's load {_ms(cold)}"
    )


def images() -> None:
    from puhui.studio import Brief, draft_copy, offer_facts
    from puhui.studio.render import render

    facts = offer_facts()
    for channel in ("poster", "social"):
        draft = draft_copy(Brief(channel=channel, lang="zh"), facts)
        started = time.perf_counter()
        render(draft).png()
        cold = time.perf_counter() - started
        times = []
        for _ in range(10):
            started = time.perf_counter()
            rendered = render(draft)
            png = rendered.png()
            times.append(time.perf_counter() - started)
        w, h = rendered.size
        print(
            f"studio render {channel} {w}x{h}: median {_ms(statistics.median(times))}"
            f" warm (min {_ms(min(times))}), cold {_ms(cold)}; PNG {len(png) // 1024} KiB"
        )


def video() -> None:
    from puhui.studio import Brief, draft_copy, offer_facts
    from puhui.studio.narrate import narrate

    if not (shutil.which("espeak-ng") and shutil.which("ffmpeg")):
        print("studio video: skipped (espeak-ng or ffmpeg missing; `make speech`)")
        return
    facts = offer_facts()
    for lang in ("en", "zh"):
        draft = draft_copy(Brief(channel="video", lang=lang, length="short"), facts)
        runs = []
        for n in range(3):
            with tempfile.TemporaryDirectory() as tmp:
                started = time.perf_counter()
                result = narrate(draft, Path(tmp) / str(n))
                total = time.perf_counter() - started
                runs.append((total, result.seconds, result.duration, result.video.stat().st_size))
        total, steps, duration, size = sorted(runs, key=lambda r: r[0])[1]  # the median run
        parts = ", ".join(f"{k} {v:.2f} s" for k, v in steps.items())
        print(
            f"studio video {lang}: {duration:.1f} s narrated video in {total:.2f} s"
            f" (median of 3; {parts}); real-time factor {total / duration:.3f};"
            f" MP4 {size // 1024} KiB"
        )


def main() -> None:
    print("machine:", info(), "load:", load())
    drafts()
    images()
    video()


if __name__ == "__main__":
    main()
