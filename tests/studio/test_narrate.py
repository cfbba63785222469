"""Narration (espeak-ng) and the video (ffmpeg), probed with ffprobe; frames looked at."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from puhui.studio import Brief, OfferFacts, draft_copy
from puhui.studio.narrate import (
    VIDEO_SIZE,
    Cue,
    frame_at,
    narrate,
    probe,
    script_of,
    spoken,
    srt,
    zh_number,
)

from .conftest import PLANTED, PLANTED_RULES


@pytest.mark.parametrize(
    ("written", "said"),
    [("18.04", "十八点零四"), ("200,000", "二十万"), ("110", "一百一十"), ("1005", "一千零五"),
     ("15", "十五"), ("10", "十"), ("3000000", "三百万"), ("123456", "十二万三千四百五十六")],
)  # fmt: skip
def test_chinese_numbers_are_read_as_people_read_them(written: str, said: str) -> None:
    assert zh_number(written) == said


def test_figures_ranges_and_abbreviations_are_spoken() -> None:
    assert spoken("年化利率（单利）18.04%–18.20%。", "zh") == (
        "年化利率（单利）百分之十八点零四到百分之十八点二零。"
    )
    assert spoken("可选5/10/20期", "zh") == "可选五、十、二十期"
    assert spoken("APR 18.04%–18.20%, CNY 500", "en") == "A P R 18.04 to 18.20 percent, 500 yuan"


def test_srt_cues_are_numbered_and_timed() -> None:
    text = srt([Cue(0.0, 1.5, "一", "一"), Cue(1.8, 3661.25, "二", "二")])
    assert text.startswith("1\n00:00:00,000 --> 00:00:01,500\n一\n")
    assert "2\n00:00:01,800 --> 01:01:01,250\n二\n" in text


def _band_has_text(frame: Image.Image, top: int, bottom: int) -> bool:
    """Near-white pixels across a band of the frame (the burned-in subtitle)."""
    band = np.asarray(frame.convert("L").crop((0, top, frame.width, bottom)))
    return int((band > 220).sum()) > 500


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_video_has_poster_subtitles_and_narration(
    facts: OfferFacts, lang: str, tmp_path: Path
) -> None:
    message = PLANTED[lang] if lang == "zh" else ""
    draft = draft_copy(Brief(channel="video", lang=lang, length="short", message=message), facts)
    result = narrate(draft, tmp_path / "out")
    # the script: every sentence said and shown, the disclosure last
    assert [c.text for c in result.cues] == script_of(draft)
    said = "".join(c.text for c in result.cues).replace(" ", "")
    assert said.endswith(draft.disclosure.replace(" ", ""))
    assert all(a.end <= b.start for a, b in zip(result.cues, result.cues[1:], strict=False))
    # the narration: espeak-ng's WAV, not silent, as long as the cues say
    with wave.open(str(result.audio)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        assert w.getframerate() == 22050 and w.getnchannels() == 1
    assert np.abs(samples).max() > 3000 and result.cues[-1].end <= result.duration + 1e-6
    # the video: ffprobe's view of it
    info = probe(result.video)
    kinds = {s["codec_type"]: s for s in info["streams"]}
    assert set(kinds) == {"video", "audio", "subtitle"}
    assert kinds["video"]["codec_name"] == "h264"
    assert (kinds["video"]["width"], kinds["video"]["height"]) == VIDEO_SIZE
    assert kinds["audio"]["codec_name"] == "aac" and kinds["subtitle"]["codec_name"] == "mov_text"
    assert abs(float(info["format"]["duration"]) - result.duration) < 0.5
    # a frame while the first cue is on screen: the poster's size, the subtitle burned in
    cue = result.cues[1]
    frame = Image.open(frame_at(result.video, (cue.start + cue.end) / 2, tmp_path / "f.png"))
    assert frame.size == VIDEO_SIZE
    assert _band_has_text(frame, 600, 800)  # the poster is plain background there
    poster = Image.open(result.poster).resize(VIDEO_SIZE)
    assert not _band_has_text(poster, 600, 800)
    # compliance on the video channel: the planted phrase is caught in the spoken script
    fired = {a.rule_id for a in result.alerts}
    assert fired == (PLANTED_RULES if message else set())
