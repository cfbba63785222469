"""The HTTP API (FastAPI): one router per domain, problem+json errors, API keys with roles."""

from puhui.api.app import create_app

__all__ = ["create_app"]
