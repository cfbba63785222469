"""The API process's agent-assist service: opened on first use, closed with the app.

It reads customer cards through the platform's lending service (taking the ledger's turn)
and writes summaries through the AI gateway, whose call log shares the platform database.
"""

from __future__ import annotations

import threading
from typing import Any

from puhui.ai.audit import CallLog
from puhui.ai.gateway import Gateway
from puhui.assist.customer import CustomerCard, customer_card
from puhui.assist.service import AssistService
from puhui.assist.transcribe import transcriber_from_settings
from puhui.db import connect

_lock = threading.Lock()


def assist_service(app: Any) -> AssistService:
    state = app.state
    service: AssistService | None = getattr(state, "assist", None)
    if service is not None:
        return service
    with _lock:
        service = getattr(state, "assist", None)
        if service is None:
            platform = state.platform
            settings = platform.settings
            url = settings.database_url

            def card_of(customer_id: str) -> CustomerCard:
                card: CustomerCard = platform.with_lending(
                    lambda lending: customer_card(lending, customer_id)
                )
                return card

            gateway = Gateway.from_settings(settings, CallLog(connect(url), url))
            service = AssistService(
                url,
                card_of,
                gateway=gateway,
                transcriber=lambda: transcriber_from_settings(settings),
            )
            state.assist = service
            # load the models now, off the request path: the first turn stays in budget
            threading.Thread(target=service.warm, name="assist-warm", daemon=True).start()
    return service


def close_assist(app: Any) -> None:
    service: AssistService | None = getattr(app.state, "assist", None)
    if service is not None:
        service.close()
        if service.gateway is not None and service.gateway.log is not None:
            service.gateway.log.conn.close()
        app.state.assist = None
