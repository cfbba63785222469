"""The HTTP API (FastAPI): one router per domain, problem+json errors, API keys with roles.

`create_app` is imported on demand (`from puhui.api.app import create_app`) so that the CLI's
key commands do not load the whole application and its models at start-up.
"""
