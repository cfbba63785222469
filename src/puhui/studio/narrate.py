"""Narration and the short video: the honest offline form of a "digital presenter".

espeak-ng (Debian's package; `make speech`) speaks the script sentence by sentence to WAV — the
Mandarin voice `cmn` and English `en-us` — so each subtitle cue has its exact time; ffmpeg
(Debian's package) loops the poster, burns the subtitles in (the WenQuanYi font), adds them
again as a soft `mov_text` track, and muxes the narration into an MP4.

The script is the draft's text, disclosure included: what is shown is also said. Figures are
spoken the way people read them (百分之十八点零四, "18.04 percent"); the subtitles keep the
written form, and that written script is what the compliance engine checks on `video`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from puhui.compliance import Alert
from puhui.errors import PuhuiError
from puhui.studio.copy import Draft, compliance_alerts
from puhui.studio.render import render

VOICES = {"zh": "cmn", "en": "en-us"}
SPEED = {"zh": 190, "en": 165}  # words per minute (espeak-ng's -s)
PAUSE_S = 0.3  # silence between sentences
VIDEO_SIZE = (720, 1280)
FPS = 5  # a still poster: few frames keep encoding fast
SUBTITLE_FONT = "WenQuanYi Zen Hei"


class MediaError(PuhuiError):
    code = "media_failed"


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MediaError(
            f"{name} is not installed (Debian: apt-get install {package}; `make speech`)",
            field=name,
        )
    return path


# -- the spoken form ---------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"
_UNITS = ((100_000_000, "亿"), (10_000, "万"), (1000, "千"), (100, "百"), (10, "十"))


def _zh_int(n: int, leading: bool = True) -> str:
    """Chinese numerals for 0 <= n < 10^12 (一百一十, 十万, 一千零五)."""
    if n < 10:
        return _DIGITS[n]
    for size, unit in _UNITS:
        if n >= size:
            head, rest = divmod(n, size)
            out = ("" if size == 10 and head == 1 and leading else _zh_int(head, leading)) + unit
            if rest:
                out += ("零" if rest < size // 10 else "") + _zh_int(rest, leading=False)
            return out
    return str(n)  # pragma: no cover


def zh_number(text: str) -> str:
    """'18.04' -> 十八点零四; '200000' -> 二十万."""
    whole, _, frac = text.replace(",", "").partition(".")
    out = _zh_int(int(whole))
    return out + ("点" + "".join(_DIGITS[int(d)] for d in frac) if frac else "")


_NUM = r"\d[\d,]*(?:\.\d+)?"


def spoken(sentence: str, lang: str) -> str:
    """The sentence as a voice should read it (figures, ranges, slashes, abbreviations)."""
    s = sentence
    if lang == "zh":
        s = re.sub(rf"({_NUM})%[–-]({_NUM})%", r"百分之\1到百分之\2", s)
        s = re.sub(rf"({_NUM})%", r"百分之\1", s)
        s = re.sub(r"(\d+)/(\d+)/(\d+)", r"\1、\2、\3", s)
        s = s.replace("–", "到")
        return re.sub(_NUM, lambda m: zh_number(m.group(0)), s)
    s = re.sub(rf"({_NUM})%[–-]({_NUM})%", r"\1 to \2 percent", s)
    s = re.sub(rf"({_NUM})%", r"\1 percent", s)
    s = re.sub(rf"CNY ({_NUM})", r"\1 yuan", s)
    s = re.sub(r"(\d+)/(\d+)/(\d+)", r"\1, \2 or \3", s)
    s = re.sub(r"\bAPR\b", "A P R", s)
    return s.replace("–", " to ")


def script_of(draft: Draft) -> list[str]:
    """The sentences to say and show: headline, body, disclosure (written form)."""
    out: list[str] = []
    for part in (draft.headline, draft.body, draft.disclosure):
        out += [
            s.strip() for s in re.findall(r".+?(?:[。！？!?；;]|\.(?=\s|$))|.+$", part) if s.strip()
        ]
    return out


# -- speech --------------------------------------------------------------------------------


def speak(text: str, lang: str, path: Path) -> float:
    """Say `text` into the WAV file `path`; returns its duration in seconds."""
    espeak = _tool("espeak-ng", "espeak-ng")
    done = subprocess.run(
        [espeak, "-v", VOICES[lang], "-s", str(SPEED[lang]), "-w", str(path), "--stdin"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0 or not path.exists():
        raise MediaError(f"espeak-ng failed: {done.stderr.decode(errors='replace')[:200]}")
    return wav_seconds(path)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


@dataclass(frozen=True, slots=True)
class Cue:
    start: float
    end: float
    text: str  # written form (the subtitle)
    said: str  # spoken form


def _srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def srt(cues: list[Cue]) -> str:
    return "\n".join(
        f"{n}\n{_srt_time(c.start)} --> {_srt_time(c.end)}\n{c.text}\n"
        for n, c in enumerate(cues, 1)
    )


def narrate_audio(sentences: list[str], lang: str, workdir: Path) -> tuple[Path, list[Cue]]:
    """One WAV of every sentence with a pause between, and the cue of each."""
    workdir.mkdir(parents=True, exist_ok=True)
    cues: list[Cue] = []
    out = workdir / "narration.wav"
    params: Any = None
    clock = 0.0
    with wave.open(str(out), "wb") as sink:
        for n, sentence in enumerate(sentences):
            part = workdir / f"part-{n:03d}.wav"
            said = spoken(sentence, lang)
            speak(said, lang, part)
            with wave.open(str(part), "rb") as src:
                if params is None:
                    params = src.getparams()
                    sink.setparams(params)
                frames = src.readframes(src.getnframes())
                seconds = src.getnframes() / src.getframerate()
            sink.writeframes(frames)
            cues.append(Cue(clock, clock + seconds, sentence, said))
            gap = int(PAUSE_S * params.framerate)
            sink.writeframes(b"\x00" * gap * params.sampwidth * params.nchannels)
            clock += seconds + gap / params.framerate
            part.unlink()
    return out, cues


# -- the video -----------------------------------------------------------------------------


@dataclass(slots=True)
class Narrated:
    video: Path
    audio: Path
    subtitles: Path
    poster: Path
    duration: float  # of the narration, seconds
    cues: list[Cue]
    alerts: tuple[Alert, ...] = field(default=())
    seconds: dict[str, float] = field(default_factory=dict)  # time taken by each step

    @property
    def script(self) -> str:
        return "\n".join(c.text for c in self.cues)

    def to_dict(self) -> dict[str, Any]:
        return {
            "video": str(self.video),
            "audio": str(self.audio),
            "subtitles": str(self.subtitles),
            "poster": str(self.poster),
            "duration_s": round(self.duration, 3),
            "cues": [
                {"start": round(c.start, 3), "end": round(c.end, 3), "text": c.text}
                for c in self.cues
            ],
            "compliant": not self.alerts,
            "alerts": [a.to_dict() for a in self.alerts],
            "timings_s": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def _style() -> str:
    # libass units on a 288-line script: the cue sits above the poster's white panel.
    return (
        f"FontName={SUBTITLE_FONT},FontSize=11,PrimaryColour=&H00FFFFFF,BorderStyle=3,"
        "OutlineColour=&H80000000,Outline=2,Shadow=0,Alignment=2,MarginV=110,MarginL=20,MarginR=20"
    )


def narrate(draft: Draft, workdir: Path) -> Narrated:
    """Poster + burned-in and soft subtitles + narration, as `workdir/video.mp4`."""
    ffmpeg = _tool("ffmpeg", "ffmpeg")
    workdir.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    poster = workdir / "poster.png"
    rendered = render(draft, "video")
    poster.write_bytes(rendered.png())
    seconds["poster"] = time.perf_counter() - started
    started = time.perf_counter()
    audio, cues = narrate_audio(script_of(draft), draft.brief.lang, workdir)
    duration = wav_seconds(audio)
    seconds["speech"] = time.perf_counter() - started
    subtitles = workdir / "subtitles.srt"
    subtitles.write_text(srt(cues), encoding="utf-8")
    video = workdir / "video.mp4"
    width, height = VIDEO_SIZE
    escaped = str(subtitles).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    command = [
        ffmpeg, "-y", "-hide_banner", "-loglevel", "error",
        "-loop", "1", "-framerate", str(FPS), "-i", str(poster),
        "-i", str(audio),
        "-i", str(subtitles),
        "-map", "0:v", "-map", "1:a", "-map", "2:s",
        "-vf", f"scale={width}:{height},subtitles='{escaped}':force_style='{_style()}'",
        "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-pix_fmt", "yuv420p",
        "-r", str(FPS), "-c:a", "aac", "-b:a", "96k", "-c:s", "mov_text",
        "-metadata:s:s:0", f"language={'chi' if draft.brief.lang == 'zh' else 'eng'}",
        "-t", f"{duration:.3f}", "-movflags", "+faststart", str(video),
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False, timeout=600)
    if done.returncode != 0 or not video.exists():
        raise MediaError(f"ffmpeg failed: {done.stderr.decode(errors='replace')[-300:]}")
    seconds["video"] = time.perf_counter() - started
    result = Narrated(video, audio, subtitles, poster, duration, cues, seconds=seconds)
    result.alerts = compliance_alerts(result.script, "video", draft.facts)
    return result


def probe(path: Path) -> dict[str, Any]:
    """ffprobe's JSON for `path` (format and streams)."""
    ffprobe = _tool("ffprobe", "ffmpeg")
    done = subprocess.run(
        [ffprobe, "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        raise MediaError(f"ffprobe failed: {done.stderr.decode(errors='replace')[:200]}")
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def frame_at(path: Path, seconds: float, out: Path) -> Path:
    """One frame of the video at `seconds`, as PNG."""
    ffmpeg = _tool("ffmpeg", "ffmpeg")
    done = subprocess.run(
        [ffmpeg, "-y", "-loglevel", "error", "-ss", f"{seconds:.3f}", "-i", str(path),
         "-frames:v", "1", str(out)],
        capture_output=True, check=False, timeout=60,
    )  # fmt: skip
    if done.returncode != 0 or not out.exists():
        raise MediaError(f"ffmpeg failed: {done.stderr.decode(errors='replace')[:200]}")
    return out
