"""The AI commands' tests use the AI gateway's test servers."""

from tests.ai.conftest import echo_server  # noqa: F401  (a fixture, found by name)
