"""Streaming audio to turns: one segmenter per channel cuts utterances at pauses (Silero VAD)
and the transcriber turns each utterance into a turn, timed from the start of the call.

A chunk of audio goes in; when the speech in the buffer is followed by at least
`min_silence_ms` of silence, that utterance is complete and comes out. Only the audio since
the last cut is scanned, and an utterance longer than `max_utterance_s` is cut anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from puhui.assist.session import Speaker, Turn
from puhui.assist.transcribe import SAMPLE_RATE, Audio, Transcriber, read_wav, speech_spans


@dataclass(frozen=True, slots=True)
class Utterance:
    speaker: Speaker
    start_ms: int
    end_ms: int
    audio: Audio


@dataclass
class ChannelSegmenter:
    speaker: Speaker
    min_silence_ms: int = 500
    max_utterance_s: float = 20.0
    _buffer: Audio = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    _offset: int = 0  # samples of the call before the buffer's first sample

    def push(self, audio: Audio) -> list[Utterance]:
        """Add a chunk; the utterances it completes."""
        self._buffer = np.concatenate([self._buffer, audio.astype(np.float32)])
        return self._cut(final=False)

    def flush(self) -> list[Utterance]:
        """The end of the channel: whatever speech is left."""
        return self._cut(final=True)

    def _cut(self, final: bool) -> list[Utterance]:
        out: list[Utterance] = []
        silence = int(self.min_silence_ms * SAMPLE_RATE / 1000)
        spans = speech_spans(self._buffer, self.min_silence_ms)
        consumed = 0
        for start, end in spans:
            complete = final or len(self._buffer) - end >= silence
            too_long = end - start >= self.max_utterance_s * SAMPLE_RATE
            if not (complete or too_long):
                break
            out.append(self._utterance(start, end))
            consumed = end
        if final:
            consumed = len(self._buffer)
        elif not spans:  # silence only: keep a little in case speech starts at its end
            consumed = max(0, len(self._buffer) - silence)
        if consumed:
            self._buffer = self._buffer[consumed:]
            self._offset += consumed
        return out

    def _utterance(self, start: int, end: int) -> Utterance:
        to_ms = 1000 / SAMPLE_RATE
        return Utterance(
            self.speaker,
            int((self._offset + start) * to_ms),
            int((self._offset + end) * to_ms),
            self._buffer[start:end].copy(),
        )


def utterance_turns(
    utterances: list[Utterance], transcriber: Transcriber, language: str | None = None
) -> list[Turn]:
    """Transcribe utterances into turns (empty transcriptions dropped)."""
    turns = []
    for u in utterances:
        text = " ".join(s.text for s in transcriber.transcribe(u.audio, language=language))
        if text.strip():
            turns.append(Turn(u.speaker, text.strip(), u.start_ms, u.end_ms, "asr"))
    return turns


def file_turns(
    path: str,
    transcriber: Transcriber,
    *,
    language: str | None = None,
    mono_speaker: Speaker = Speaker.AGENT,
) -> list[Turn]:
    """A recorded call as turns in time order: channel 0 the agent, channel 1 the customer."""
    channels = read_wav(path)
    speakers = [Speaker.AGENT, Speaker.CUSTOMER] if len(channels) > 1 else [mono_speaker]
    utterances: list[Utterance] = []
    for audio, speaker in zip(channels, speakers, strict=False):
        segmenter = ChannelSegmenter(speaker)
        utterances += segmenter.push(audio) + segmenter.flush()
    utterances.sort(key=lambda u: (u.end_ms, u.speaker))
    return utterance_turns(utterances, transcriber, language)
