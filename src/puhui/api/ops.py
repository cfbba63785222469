"""The API's own pages and the operator's probes: /docs, /redoc, /healthz, /metrics.

- /docs (Swagger UI) and /redoc load their scripts and styles from this server, out of the
  `fastapi-offline` package (Swagger UI and ReDoc as released), under the console's CSP:
  no CDN, no inline script, no web font; they work offline.
- /healthz answers everyone with `status` and `version`; the ledger's state (is the trial
  balance balanced?) only to an operator or admin key. /metrics (Prometheus) likewise.
  `PUHUI_OPS_ACCESS=open` serves both to anyone, for a bind reachable by the monitoring
  network only: `puhui serve` with `PUHUI_OPS_PORT` opens such a second listener
  (`create_ops_app`) beside the API.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from puhui import __version__
from puhui.api import problems
from puhui.api.keys import ApiKey, Role
from puhui.api.platform import Platform
from puhui.api.security import authenticate, public, require
from puhui.web.routes import CSP

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
OPS_ROLES = frozenset({Role.OPERATOR, Role.ADMIN})

_SWAGGER_INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
"""

_SWAGGER_HTML = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Puhui API · Swagger UI</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
"""

_REDOC_HTML = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Puhui API · ReDoc</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
</head><body>
<redoc spec-url="/openapi.json" disable-search></redoc>
<script src="{ASSETS_URL}/redoc.standalone.js"></script>
</body></html>
"""


def _secured(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def install_docs(app: FastAPI) -> None:
    """/docs and /redoc from packaged assets (create the app with docs_url=redoc_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> Response:
        return _secured(HTMLResponse(_SWAGGER_HTML))

    @app.get("/docs/init.js", include_in_schema=False)
    async def swagger_init() -> Response:
        return _secured(Response(_SWAGGER_INIT, media_type="text/javascript"))

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> Response:
        return _secured(HTMLResponse(_REDOC_HTML))


def _operator(request: Request) -> ApiKey | None:
    """The caller's key when it is an operator's or admin's; None when no key was sent."""
    presented = request.headers.get("x-api-key")
    if not presented and not request.headers.get("authorization"):
        return None
    key = authenticate(request, presented)
    return key if key.role in OPS_ROLES else None


def install_ops(app: FastAPI, platform: Platform, *, open_access: bool) -> None:
    """/healthz and /metrics; without `open_access` the ledger state and the metrics are for
    operator and admin keys only."""

    @app.get(
        "/healthz",
        tags=["ops"],
        summary="Liveness; the ledger check for operators",
        dependencies=[Depends(public)],
    )
    def healthz(request: Request) -> dict[str, object]:
        health: dict[str, object] = {"status": "ok", "version": __version__}
        if open_access or _operator(request) is not None:
            health["ledger_balanced"] = platform.with_ledger(
                lambda lg: all(t.balanced for t in lg.trial_balance())
            )
        return health

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics (operator or admin key, or the ops bind)",
        response_class=PlainTextResponse,
        dependencies=[Depends(public if open_access else require(Role.OPERATOR))],
    )
    def metrics() -> Response:
        return Response(platform.metrics.render(), media_type="text/plain; version=0.0.4")


def create_ops_app(platform: Platform) -> FastAPI:
    """The ops listener: /healthz (with the ledger check) and /metrics, open to whoever
    reaches its bind address. Shares the API's platform, so it reports the same process."""
    app = FastAPI(title="Puhui ops", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.platform = platform
    problems.install(app)
    install_ops(app, platform, open_access=True)
    return app
