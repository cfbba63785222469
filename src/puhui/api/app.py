"""The FastAPI application: routers per domain under /v1, problem+json, /healthz, /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from puhui import __version__
from puhui.api import ops, problems
from puhui.api.assist_runtime import close_assist
from puhui.api.heap import settle_heap
from puhui.api.limits import Limits, RequestLimits
from puhui.api.metrics import MetricsMiddleware
from puhui.api.platform import Platform
from puhui.api.routers import assist as assist_router
from puhui.api.routers import cob as cob_router
from puhui.api.routers import customers as customers_router
from puhui.api.routers import decisions as decisions_router
from puhui.api.routers import governance as governance_router
from puhui.api.routers import ledger as ledger_router
from puhui.api.routers import lines as lines_router
from puhui.api.routers import loans as loans_router
from puhui.api.routers import models as models_router
from puhui.api.routers import reports as reports_router
from puhui.api.routers import studio as studio_router
from puhui.services.decisions_context import DecisionsContext
from puhui.settings import Settings, get_settings
from puhui.web import routes as console
from puhui.web.app import routes as borrower_app

DESCRIPTION = """
Puhui (普惠) runs an AI-native, pure-online inclusive-lending business.

Authenticate with an API key in the `X-API-Key` header (create one with
`puhui keys create --role ROLE`). Every error is an RFC 9457 `application/problem+json`
document with a stable `code` and, where one input is at fault, its `field`.
Ids are 128-bit integers written as decimal strings.
"""


def create_app(settings: Settings | None = None, platform: Platform | None = None) -> FastAPI:
    settings = settings or get_settings()
    opened = platform or Platform.open(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settle_heap()
        yield
        app.state.decisions.close()
        close_assist(app)
        app.state.borrower_app.close()
        studio_router.close_studio(app)
        if platform is None:
            opened.close()

    app = FastAPI(
        title="Puhui API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        responses={
            401: {"description": "Missing or invalid API key (problem+json)"},
            403: {"description": "Role not allowed (problem+json)"},
            422: {"description": "Invalid input naming the field (problem+json)"},
        },
    )
    app.state.platform = opened
    app.state.decisions = DecisionsContext(settings, on_open=settle_heap)
    problems.install(app)
    app.add_middleware(MetricsMiddleware, metrics=opened.metrics)
    app.add_middleware(RequestLimits, limits=Limits.of(settings))  # 413 before parsing

    ops.install_ops(app, opened, open_access=settings.ops_access == "open")  # healthz, metrics
    ops.install_docs(app)  # /docs, /redoc from packaged assets

    app.include_router(ledger_router.router)
    app.include_router(decisions_router.router)
    app.include_router(models_router.router)
    app.include_router(customers_router.router)
    app.include_router(customers_router.log_router)  # the personal-data access log
    app.include_router(lines_router.router)
    app.include_router(loans_router.router)
    app.include_router(cob_router.router)
    app.include_router(governance_router.router)
    governance_router.install_metrics(opened.metrics.registry, settings.database_url)
    app.include_router(assist_router.router)
    app.include_router(assist_router.compliance)
    app.include_router(reports_router.router)
    app.include_router(studio_router.router)
    console.install(app)  # the console: /console pages, /console/static, / -> /console
    borrower_app.install(app)  # the borrower's mobile app: /app
    return app
