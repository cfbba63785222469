"""Speech to text: VAD segmentation per channel, the in-process whisper model on speech that
espeak-ng synthesises, and the OpenAI-compatible client against a real local HTTP server."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import wave
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from puhui.assist.session import Speaker
from puhui.assist.stream import ChannelSegmenter, file_turns
from puhui.assist.transcribe import (
    SAMPLE_RATE,
    OpenAITranscriber,
    WhisperTranscriber,
    read_wav,
    wav_bytes,
)
from puhui.errors import ValidationError

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng missing: `make speech` installs it"
)


def speak(text: str, tmp: Path) -> np.ndarray:  # type: ignore[type-arg]
    path = tmp / "say.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), text], check=True)
    return read_wav(path)[0]


def stereo_call(tmp: Path) -> Path:
    """Agent on the left channel, then the customer on the right, a second apart."""
    agent = speak("Hello, this is the bank. We guarantee your approval.", tmp)
    customer = speak("How much is the interest?", tmp)
    gap = SAMPLE_RATE
    left = np.concatenate([np.zeros(gap // 2), agent, np.zeros(gap + customer.size + gap)])
    right = np.concatenate([np.zeros(gap // 2 + agent.size + gap), customer, np.zeros(gap)])
    pcm = (np.stack([left, right], axis=1) * 32767).astype("<i2")
    path = tmp / "call.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    return path


@needs_espeak
def test_the_segmenter_cuts_streamed_audio_at_pauses(tmp_path: Path) -> None:
    one = speak("Good morning.", tmp_path)
    two = speak("How can I help you?", tmp_path)
    audio = np.concatenate([np.zeros(8000), one, np.zeros(16000), two, np.zeros(12000)])
    segmenter = ChannelSegmenter(Speaker.CUSTOMER)
    utterances = []
    for start in range(0, audio.size, 1600):  # 100 ms chunks, as a phone line streams them
        utterances += segmenter.push(audio[start : start + 1600].astype(np.float32))
    utterances += segmenter.flush()
    assert len(utterances) == 2
    first, second = utterances
    assert 300 <= first.start_ms <= 600 and first.end_ms < second.start_ms
    gap_ms = (8000 + one.size + 16000) * 1000 // SAMPLE_RATE
    assert abs(second.start_ms - gap_ms) < 300


@pytest.mark.slow
@needs_espeak
def test_whisper_transcribes_a_two_channel_call(tmp_path: Path) -> None:
    turns = file_turns(str(stereo_call(tmp_path)), WhisperTranscriber(), language="en")
    assert [t.speaker for t in turns] == [Speaker.AGENT, Speaker.CUSTOMER]
    assert "guarantee" in turns[0].text.lower()
    assert turns[1].text.lower().strip(" ?.") == "how much is the interest"
    assert all(t.source == "asr" and t.end_ms > t.start_ms for t in turns)


class _Speech(BaseHTTPRequestHandler):
    seen: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Speech.seen.append(self.headers.get("Authorization", "").encode() + b"|" + body)
        if self.path != "/v1/audio/transcriptions":
            self.send_response(404)
            self.end_headers()
            return
        answer = {"text": "你好", "segments": [{"start": 0.0, "end": 0.5, "text": " 你好 "}]}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def speech_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Speech)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_an_openai_compatible_server_transcribes(speech_server: str) -> None:
    client = OpenAITranscriber(speech_server, "paraformer-zh", api_key="secret")
    segments = client.transcribe(np.zeros(SAMPLE_RATE // 2, dtype=np.float32), language="zh")
    assert [(s.start_ms, s.end_ms, s.text) for s in segments] == [(0, 500, "你好")]
    sent = _Speech.seen[-1]
    assert sent.startswith(b"Bearer secret|")
    assert b'name="model"' in sent and b"paraformer-zh" in sent and b"RIFF" in sent
    with pytest.raises(ValidationError):
        OpenAITranscriber("ftp://nowhere", "m")


def test_wav_round_trip(tmp_path: Path) -> None:
    tone = (0.5 * np.sin(np.arange(SAMPLE_RATE) * 2 * np.pi * 440 / SAMPLE_RATE)).astype(np.float32)
    path = tmp_path / "tone.wav"
    path.write_bytes(wav_bytes(tone))
    (back,) = read_wav(path)
    assert back.size == tone.size and float(np.max(np.abs(back - tone))) < 1e-3
    (tmp_path / "bad.wav").write_bytes(b"not a wav")
    with pytest.raises(ValidationError):
        read_wav(tmp_path / "bad.wav")
