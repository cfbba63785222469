"""AI gateway figures: redaction and embedding throughput, local model tokens/s.

Baselines in the same run: redaction is compared with the bare regular expressions (what
Presidio and the checksums add), batched embedding with one-at-a-time embedding. The machine
is shared (2 cores), so figures are noisy: medians of several rounds.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from bench.machine import info

ROUNDS = 5


def _median_rate(work: Callable[[], int], rounds: int = ROUNDS) -> float:
    """Median items/second over `rounds` runs of `work` (which returns its item count)."""
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        n = work()
        rates.append(n / (time.perf_counter() - started))
    return statistics.median(rates)


def _strings(n: int, seed: int = 7) -> list[str]:
    from puhui.ai.pii import gb11643_check_char

    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = f"110101{rng.randint(1960, 2000)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}"
        body += f"{rng.randint(0, 999):03d}"
        mobile = f"1{rng.choice('3456789')}{rng.randint(10**8, 10**9 - 1)}"
        if i % 2:
            out.append(f"客户张伟，身份证{body}{gb11643_check_char(body)}，手机{mobile}，订单{i}。")
        else:
            out.append(f"Mr. John Smith, mobile {mobile}, order {i}, amount {rng.randint(1, 9999)}")
    return out


def bench_redaction() -> dict[str, float]:
    from puhui.ai import recognizers as rec
    from puhui.ai.redact import redact

    texts = _strings(400)
    redact(texts[0])  # warm up the analyzer

    def presidio() -> int:
        for text in texts:
            redact(text)
        return len(texts)

    patterns = [rec._ID_RE, rec._MOBILE_RE, rec._CARD_RE, rec._EMAIL_RE, rec._CN_CUE_RE]

    def bare_regex() -> int:
        for text in texts:
            for pattern in patterns:
                pattern.findall(text)
        return len(texts)

    full = _median_rate(presidio)
    base = _median_rate(bare_regex)
    return {
        "redact_strings_per_s": full,
        "bare_regex_strings_per_s": base,
        "redact_vs_bare_regex": full / base,
    }


def bench_embeddings() -> dict[str, float]:
    from puhui.ai.embeddings import embed_passages

    texts = [t[:60] for t in _strings(64)]
    embed_passages(texts[:2])

    def batched() -> int:
        return int(embed_passages(texts).shape[0])

    def single() -> int:
        for text in texts[:16]:
            embed_passages([text])
        return 16

    batch = _median_rate(batched, 3)
    one = _median_rate(single, 3)
    return {
        "embed_batch64_texts_per_s": batch,
        "embed_single_texts_per_s": one,
        "batch_vs_single": batch / one,
    }


def bench_local_model() -> dict[str, float]:
    from puhui.ai.client import Endpoint, LlmClient
    from puhui.ai.local import LOCAL_MODEL_ALIAS, start_local_server

    out: dict[str, float] = {}
    for threads in (1, 2):
        server = start_local_server(threads=threads)
        try:
            client = LlmClient([Endpoint(server.base_url, LOCAL_MODEL_ALIAS)], timeout_s=120)
            prompt = [{"role": "user", "content": "Write a short story about a small bank."}]
            client.chat(prompt, max_tokens=8)  # warm up
            rates = [
                client.chat(prompt, max_tokens=64, temperature=0).tokens_per_second
                for _ in range(3)
            ]
            out[f"smollm2_135m_tokens_per_s_{threads}_threads"] = statistics.median(rates)
        finally:
            server.stop()
    return out


def main() -> None:
    print("machine:", info())
    print("note: shared 2-core machine, other jobs running: figures are noisy (medians)")
    for name, bench in (
        ("redaction", bench_redaction),
        ("embeddings", bench_embeddings),
        ("local model", bench_local_model),
    ):
        figures = bench()
        print(f"ai {name}:", {k: round(v, 2) for k, v in figures.items()})


if __name__ == "__main__":
    main()
