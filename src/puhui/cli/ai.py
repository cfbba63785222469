"""`puhui ai …`: redact, route, chat, calls, embed, ask-faq, serve-local."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import typer

from puhui.errors import PuhuiError, ValidationError
from puhui.output import console, err_console, print_json, print_table

app = typer.Typer(
    name="ai",
    help="AI gateway: small and large models behind one door, personal data redacted, "
    "every call audited. AI 网关：脱敏、路由、审计。",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="Print JSON.")
CALLER = typer.Option(os.environ.get("USER", "cli"), "--caller", help="Who is calling (audited).")


def _log() -> Any:
    from puhui.ai.audit import CallLog
    from puhui.db import connect
    from puhui.settings import get_settings

    url = get_settings().database_url
    return CallLog(connect(url), url)


def _gateway() -> Any:
    from puhui.ai.gateway import open_gateway

    return open_gateway()


@app.command()
def redact(
    text: str = typer.Option(None, "--text", help="Text to redact."),
    file: Path = typer.Option(None, "--file", exists=True, dir_okay=False, help="File to redact."),
    json_output: bool = JSON,
) -> None:
    """Redact IDs, mobiles, bank cards, emails and names; show what was found. 脱敏。"""
    from puhui.ai.redact import redact as do_redact

    if (text is None) == (file is None):
        raise ValidationError("give exactly one of --text or --file", field="text")
    source = text if text is not None else file.read_text(encoding="utf-8")
    result = do_redact(source)
    if json_output:
        print_json({"text": result.text, "entities": [e.to_dict() for e in result.entities]})
        return
    console.print(result.text, markup=False, highlight=False)
    print_table(
        "entities / 识别到的个人信息",
        ["type", "start", "end", "token", "text"],
        [(e.entity_type, e.start, e.end, e.token, e.text) for e in result.entities],
    )


@app.command("route")
def route_cmd(
    task: str = typer.Argument(None, help="Task name; omit to list every task's route."),
    text: str = typer.Option(None, "--text", help="Input text (needed unless --dry-run)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the route; call nothing."),
    caller: str = CALLER,
    show_personal: bool = typer.Option(
        False, "--show-personal", help="Re-personalize the answer (for an allowed agent)."
    ),
    json_output: bool = JSON,
) -> None:
    """Show (--dry-run) or run the route a task takes: small model or large. 路由。"""
    from puhui.ai.router import TASKS

    gateway = _planner() if task is None or dry_run else _gateway()
    if task is None or dry_run:
        names = [task] if task else sorted(TASKS)
        routes = [gateway.plan(name).to_dict() for name in names]
        if json_output:
            print_json(routes if task is None else routes[0])
            return
        print_table(
            "routes / 路由",
            ["task", "kind", "tier", "engine", "status"],
            [(r["task"], r["kind"], r["tier"], r["engine"], _status(r)) for r in routes],
        )
        for r in routes:
            console.print(f"{r['task']}: {r['reason']}", markup=False, highlight=False)
        return
    if text is None:
        raise PuhuiError("--text is required to run a task (or use --dry-run)", field="text")
    result = gateway.run(task, text, caller=caller, may_see_personal=show_personal)
    _print_result(result, json_output)


def _status(route: dict[str, Any]) -> str:
    if not route["allowed"]:
        return "refused"
    if not route["available"]:
        return "fallback" if route["fallback"] else "unavailable"
    return "ready"


def _planner() -> Any:
    from puhui.ai.gateway import Gateway
    from puhui.settings import get_settings

    return Gateway.from_settings(get_settings(), None)


def _print_result(result: Any, json_output: bool) -> None:
    if json_output:
        print_json(result.to_dict())
        return
    if result.note:
        err_console.print(f"[yellow]{result.note}[/yellow]")
    console.print(result.personalized or result.text, markup=False, highlight=False)
    if result.completion is not None:
        c = result.completion
        err_console.print(
            f"[dim]{c.model} · {c.usage.prompt_tokens}+{c.usage.completion_tokens} tokens · "
            f"{c.latency_ms:.0f} ms · call {result.call_id}[/dim]"
        )


@app.command()
def chat(
    message: str = typer.Argument(..., help="What to ask."),
    task: str = typer.Option("agent.chat", "--task", help="Task name (a large-model kind)."),
    stream: bool = typer.Option(True, "--stream/--no-stream", help="Print tokens as they come."),
    caller: str = CALLER,
    show_personal: bool = typer.Option(
        False, "--show-personal", help="Re-personalize the answer (for an allowed agent)."
    ),
    json_output: bool = JSON,
) -> None:
    """Ask the large model through the gateway (redacted, audited). 对话。"""

    def show(delta: str) -> None:
        sys.stdout.write(delta)
        sys.stdout.flush()

    result = _gateway().run(
        task,
        message,
        caller=caller,
        may_see_personal=show_personal,
        on_delta=show if stream and not json_output and not show_personal else None,
    )
    if stream and not json_output and not show_personal and result.completion is not None:
        sys.stdout.write("\n")
        c = result.completion
        err_console.print(
            f"[dim]{c.model} · {c.usage.prompt_tokens}+{c.usage.completion_tokens} tokens · "
            f"{c.latency_ms:.0f} ms · call {result.call_id}[/dim]"
        )
        return
    _print_result(result, json_output)


@app.command()
def calls(
    limit: int = typer.Option(20, "--limit", min=1, help="How many, newest first."),
    task: str = typer.Option(None, "--task", help="Only this task."),
    json_output: bool = JSON,
) -> None:
    """List recorded model calls (redacted). 调用审计记录。"""
    from dataclasses import asdict

    rows = _log().query(limit=limit, task=task)
    if json_output:
        print_json([asdict(r) for r in rows])
        return
    print_table(
        "ai_calls",
        ["time (UTC)", "task", "route", "outcome", "tokens", "ms", "prompt (redacted)"],
        [
            (
                r.created_at[11:19],
                r.task,
                r.route,
                r.outcome,
                f"{r.prompt_tokens}+{r.completion_tokens}",
                f"{r.latency_ms:.0f}",
                r.prompt_redacted[:30],
            )
            for r in rows
        ],
    )


@app.command()
def embed(
    text: list[str] = typer.Option(..., "--text", help="Text to embed (repeatable)."),
    query: bool = typer.Option(True, "--query/--passage", help="e5 prefix: query or passage."),
    json_output: bool = JSON,
) -> None:
    """Embed texts with multilingual-e5-small (384 dimensions, local). 向量化。"""
    from puhui.ai.embeddings import EMBEDDING_MODEL, embed_passages, embed_queries

    vectors = (embed_queries if query else embed_passages)(list(text))
    if json_output:
        print_json(
            {
                "model": EMBEDDING_MODEL,
                "dim": int(vectors.shape[1]),
                "vectors": [[round(float(x), 6) for x in row] for row in vectors],
            }
        )
        return
    print_table(
        f"{EMBEDDING_MODEL} ({vectors.shape[1]} dims)",
        ["text", "first values"],
        [
            (t[:40], " ".join(f"{x:+.3f}" for x in row[:6]) + " …")
            for t, row in zip(text, vectors, strict=True)
        ],
    )


@app.command("ask-faq")
def ask_faq(
    question: str = typer.Argument(..., help="A customer question, Chinese or English."),
    k: int = typer.Option(3, "-k", min=1, help="How many answers."),
    json_output: bool = JSON,
) -> None:
    """Answer from the shipped bilingual FAQ by embedding retrieval. FAQ 检索。"""
    from puhui.ai.faq import Faq, load_faq
    from puhui.settings import get_settings

    faq = Faq.cached(load_faq(), Path(get_settings().data_dir) / "ai")
    answers = faq.ask(question, k)
    if json_output:
        print_json([a.to_dict() for a in answers])
        return
    print_table(
        "FAQ",
        ["score", "id", "question", "answer"],
        [(f"{a.score:.3f}", a.id, a.question, a.answer) for a in answers],
    )


@app.command("serve-local")
def serve_local(
    host: str = typer.Option("127.0.0.1", "--host", help="Loopback address only."),
    port: int = typer.Option(0, "--port", help="0 picks a free port."),
    threads: int = typer.Option(0, "--threads", help="CPU threads (0: llama.cpp decides)."),
    smoke: bool = typer.Option(
        False, "--smoke", help="Start, answer one prompt, report tokens/s, stop."
    ),
    json_output: bool = JSON,
) -> None:
    """Serve the shipped SmolLM2-135M GGUF with llama.cpp (exercises the path only). 本地模型。"""
    from puhui.ai.client import Endpoint, LlmClient
    from puhui.ai.local import LOCAL_MODEL_ALIAS, start_local_server

    with err_console.status("starting llama.cpp server …"):
        server = start_local_server(host=host, port=port or None, threads=threads or None)
    info: dict[str, Any] = {
        "base_url": server.base_url,
        "model": LOCAL_MODEL_ALIAS,
        "weights": str(server.model),
        "pid": server.process.pid,
        "note": "SmolLM2-135M only exercises the path; use a large model server for real work",
    }
    try:
        if smoke:
            client = LlmClient([Endpoint(server.base_url, LOCAL_MODEL_ALIAS, name="local")])
            done = client.chat([{"role": "user", "content": "Say hello."}], max_tokens=32)
            info |= {
                "reply": done.text,
                "completion_tokens": done.usage.completion_tokens,
                "tokens_per_second": round(done.tokens_per_second, 1),
            }
        if json_output:
            print_json(info)
        else:
            for key, value in info.items():
                console.print(f"{key}: {value}", markup=False, highlight=False)
            if not smoke:
                console.print(
                    f"export PUHUI_LLM_BASE_URL={server.base_url} "
                    f"PUHUI_LLM_MODEL={LOCAL_MODEL_ALIAS}   # Ctrl-C stops the server",
                    markup=False,
                )
        if not smoke:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while server.process.poll() is None:
                time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
