"""Agent assist figures: compliance precision/recall, transcription WER and real-time factor,
and the live path's latency with 20 concurrent calls.

1. Compliance: per rule, on the held-out set `tests/data/compliance/eval.jsonl` (312
   utterances, zh and en, 216 of them paraphrases that no pattern matches); baseline in the
   same run: patterns only (no classifier).
2. Transcription: English sentences synthesised with espeak-ng, transcribed by faster-whisper
   with the shipped whisper-base weights (int8, 2 threads); word error rate against the text
   spoken, and the real-time factor (decode seconds / audio seconds; the model's load is
   timed apart). Skipped with a note when espeak-ng is missing.
3. Live path: a real server on loopback; 20 WebSocket calls at once, each sending text turns
   at a human pace (one every 1.5 s ± 0.5 s); latency = a turn sent to its alerts and
   suggestions received. Baseline in the same run: one call alone.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from puhui.machine import info, load

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "tests" / "data" / "compliance" / "eval.jsonl"

SPOKEN = [
    "Hello, this is the customer service team calling about your account.",
    "Could you please confirm the last four digits of your identity card?",
    "You have a pre-approved credit line that you can use in the app.",
    "The annual percentage rate includes every charge on the loan.",
    "You can repay early at any time without a penalty.",
    "I understand that things are difficult at the moment.",
    "We can adjust your repayment plan if that would help you.",
    "Please keep an eye on the due date to protect your credit record.",
    "Is there anything else I can help you with today?",
    "Thank you for your time and have a good evening.",
    "How much interest will I pay if I borrow for ten months?",
    "I lost my job last month and I cannot pay right now.",
]


# -- 1. compliance --------------------------------------------------------------------------
def compliance() -> None:
    from puhui.compliance import check
    from puhui.compliance.classifier import shipped_classifier
    from puhui.compliance.text import sentences

    items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line]
    shipped_classifier().embed([s.text for i in items for s in sentences(i["text"])])
    for label, use_classifier in (("patterns + classifier", True), ("patterns only", False)):
        tp: Counter[str] = Counter()
        fp: Counter[str] = Counter()
        fn: Counter[str] = Counter()
        para = Counter[str]()
        for item in items:
            got = {
                a.rule_id
                for a in check(
                    item["text"],
                    channel=item["channel"],
                    context=item["context"],
                    classifier=use_classifier,
                )
            }
            expected = set(item["rules"])
            for rule in got & expected:
                tp[rule] += 1
                para["tp"] += item["paraphrase"]
            for rule in got - expected:
                fp[rule] += 1
                para["fp"] += item["paraphrase"]
            for rule in expected - got:
                fn[rule] += 1
                para["fn"] += item["paraphrase"]
        print(f"compliance, {label} ({len(items)} utterances):")
        for rule in sorted(set(tp) | set(fp) | set(fn)):
            p = tp[rule] / (tp[rule] + fp[rule]) if tp[rule] + fp[rule] else 0.0
            r = tp[rule] / (tp[rule] + fn[rule]) if tp[rule] + fn[rule] else 0.0
            print(
                f"  {rule:30s} P {p:.3f}  R {r:.3f}  (tp {tp[rule]}, fp {fp[rule]}, fn {fn[rule]})"
            )
        t, f, n = sum(tp.values()), sum(fp.values()), sum(fn.values())
        pp = para["tp"] / (para["tp"] + para["fp"]) if para["tp"] + para["fp"] else 0.0
        pr = para["tp"] / (para["tp"] + para["fn"]) if para["tp"] + para["fn"] else 0.0
        print(
            f"  overall P {t / (t + f):.3f} R {t / (t + n):.3f}; paraphrases P {pp:.3f} R {pr:.3f}"
        )


# -- 2. transcription -----------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions)."""
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        prev, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ref != hyp))
    return row[-1]


def transcription() -> None:
    from puhui.assist.transcribe import WhisperTranscriber, read_wav

    if shutil.which("espeak-ng") is None:
        print("transcription: espeak-ng is missing (make bench installs it); skipped")
        return
    model = WhisperTranscriber(threads=2)
    started = time.perf_counter()
    model.model()
    print(f"transcription: {model.name}, loaded in {time.perf_counter() - started:.1f} s")
    errors = words = 0
    audio_s = decode_s = 0.0
    rtfs = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, sentence in enumerate(SPOKEN):
            path = Path(tmp) / f"{n}.wav"
            subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), sentence], check=True)
            audio = read_wav(path)[0]
            started = time.perf_counter()
            text = " ".join(s.text for s in model.transcribe(audio, language="en"))
            seconds = time.perf_counter() - started
            errors += word_errors(_words(sentence), _words(text))
            words += len(_words(sentence))
            audio_s += audio.size / 16_000
            decode_s += seconds
            rtfs.append(seconds / (audio.size / 16_000))
    print(
        f"  {len(SPOKEN)} espeak-ng clips, {audio_s:.1f} s of audio: WER {errors / words:.3f} "
        f"({errors}/{words} words); RTF total {decode_s / audio_s:.3f}, "
        f"median per clip {statistics.median(rtfs):.3f} (2 threads)"
    )


# -- 3. live path ---------------------------------------------------------------------------
CALL = [
    ("agent", "您好，我是普惠银行的客服，请问现在方便吗？"),
    ("customer", "你说吧，什么事？"),
    ("agent", "我们保证您百分之百能通过审批。"),
    ("customer", "利息也太高了吧"),
    ("agent", "利息很低的，一天才几块钱。"),
    ("customer", "我考虑一下。"),
    ("agent", "Our rates are the lowest in the market."),
    ("customer", "Is this a scam?"),
]


async def _one_call(base: str, key: str, rng: random.Random, pace: bool) -> list[float]:
    import httpx
    from websockets.asyncio.client import connect

    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=60) as c:
        started = await c.post("/v1/assist/calls", json={"customer_id": "C0"})
        call = started.json()
    latencies = []
    ws_url = base.replace("http://", "ws://") + call["live"]
    async with connect(ws_url, additional_headers={"X-API-Key": key}, open_timeout=60) as ws:
        for speaker, text in CALL:
            if pace:
                await asyncio.sleep(rng.uniform(1.0, 2.0))
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "turn", "speaker": speaker, "text": text}))
            message = json.loads(await ws.recv())
            assert message["type"] == "turn", message
            latencies.append((time.perf_counter() - sent) * 1000)
        await ws.send(json.dumps({"type": "end"}))
        await ws.recv()
    return latencies


async def _calls(base: str, key: str, n: int) -> list[float]:
    rngs = [random.Random(k) for k in range(n)]
    results = await asyncio.gather(*(_one_call(base, key, rngs[k], True) for k in range(n)))
    return [x for r in results for x in r]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def live_path() -> None:
    from tests.api.conftest import start_server
    from tests.servicing.support import setup_book

    from puhui.servicing.service import LendingService

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        lending = LendingService(url)
        setup_book(lending)
        lending.close()
        for server in start_server(url, Path(tmp)):  # a real uvicorn on loopback
            key = server.keys["agent"]
            asyncio.run(_one_call(server.base_url, key, random.Random(0), False))  # warm up
            alone = asyncio.run(_one_call(server.base_url, key, random.Random(1), False))
            many = asyncio.run(_calls(server.base_url, key, 20))
    print(f"live path: turn sent -> alerts and suggestions received (ms), load {load()}")
    print(
        f"  1 call alone:        p50 {_pct(alone, 0.5):6.1f}  p99 {_pct(alone, 0.99):6.1f}"
        f"  ({len(alone)} turns)"
    )
    print(
        f"  20 concurrent calls: p50 {_pct(many, 0.5):6.1f}  p99 {_pct(many, 0.99):6.1f}"
        f"  max {max(many):6.1f}  ({len(many)} turns)"
    )


def main() -> None:
    print("machine:", info(), "load:", load())
    parts = sys.argv[2:] if len(sys.argv) > 2 else ["compliance", "transcription", "live"]
    if "compliance" in parts:
        compliance()
    if "transcription" in parts:
        transcription()
    if "live" in parts:
        live_path()


if __name__ == "__main__":
    main()
