"""The ASGI entry point for uvicorn: `uvicorn puhui.api.server:app`."""

from __future__ import annotations

from puhui.api.app import create_app

app = create_app()
