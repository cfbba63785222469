"""`puhui keys ...` and `puhui serve`: API keys and the HTTP server."""

from __future__ import annotations

import typer

from puhui.api.keys import KeyStore, Role
from puhui.errors import PuhuiError, ValidationError
from puhui.output import print_json, print_table
from puhui.settings import Settings, get_settings

keys_app = typer.Typer(
    help="API keys with roles (agent, risk_analyst, operator, admin).", no_args_is_help=True
)
JSON = typer.Option(False, "--json", help="Print JSON for machines.")


@keys_app.command("create")
def create_key(
    role: str = typer.Option(..., "--role", help="agent, risk_analyst, operator or admin."),
    label: str = typer.Option("", "--label", help="Who or what the key is for."),
    json_output: bool = JSON,
) -> None:
    """Create an API key. The key is shown once; only its hash is stored."""
    try:
        parsed = Role.parse(role)
    except PuhuiError as exc:
        raise typer.BadParameter(exc.message, param_hint="--role") from exc
    store = KeyStore(get_settings().database_url)
    try:
        secret, key = store.create(parsed, label)
    finally:
        store.close()
    if json_output:
        print_json({"key": secret, "key_id": key.key_id, "role": key.role.value, "label": label})
    else:
        print(f"API key ({key.role.value}) — shown once, store it safely / 仅显示一次，请妥善保存:")
        print(secret)


@keys_app.command("list")
def list_keys(json_output: bool = JSON) -> None:
    """List active keys (ids and roles, never secrets)."""
    store = KeyStore(get_settings().database_url)
    try:
        keys = store.list()
    finally:
        store.close()
    rows = [
        {"key_id": k.key_id, "role": k.role.value, "label": k.label, "created_at": k.created_at}
        for k in keys
    ]
    if json_output:
        print_json(rows)
    else:
        print_table(
            "API keys / 接口密钥",
            ["key id", "role", "label", "created"],
            [list(r.values()) for r in rows],
        )


@keys_app.command("revoke")
def revoke_key(
    key_id: str = typer.Argument(..., help="The key id (the part after phk_)."),
    json_output: bool = JSON,
) -> None:
    """Revoke a key: refused at once by new servers, within 5 s by running ones."""
    store = KeyStore(get_settings().database_url)
    try:
        store.revoke(key_id)
    finally:
        store.close()
    if json_output:
        print_json({"revoked": key_id})
    else:
        print(f"revoked {key_id}")


def serve(
    host: str = typer.Option(None, help="Bind address (default PUHUI_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default PUHUI_PORT or 8000)."),
    workers: int = typer.Option(1, help="Worker processes."),
) -> None:
    """Serve the API and the console with uvicorn (and, with PUHUI_OPS_PORT, /metrics and
    /healthz open on a second bind address for the monitoring network)."""
    import uvicorn

    settings = get_settings()
    if settings.ops_port:
        if workers != 1:
            raise ValidationError("the ops listener needs --workers 1", field="workers")
        _serve_with_ops(settings, host or settings.host, port or settings.port)
        return
    uvicorn.run(
        "puhui.api.server:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


def _serve_with_ops(settings: Settings, host: str, port: int) -> None:
    """The API and the ops listener in one process, sharing one platform (one set of
    metrics): the ops app answers only /healthz and /metrics, without a key."""
    import asyncio

    import uvicorn

    from puhui.api.app import create_app
    from puhui.api.ops import create_ops_app

    app = create_app(settings)
    ops = create_ops_app(app.state.platform)
    quiet = {"log_level": "warning", "access_log": False}
    servers = [
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, **quiet)),  # type: ignore[arg-type]
        uvicorn.Server(
            uvicorn.Config(ops, host=settings.ops_host, port=settings.ops_port, **quiet)  # type: ignore[arg-type]
        ),
    ]

    async def both() -> None:
        await asyncio.gather(*(s.serve() for s in servers))

    asyncio.run(both())
