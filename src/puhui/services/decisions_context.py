"""What the decision, audit, model and customer routes serve from: the champion decider.

Opened lazily on first use: the champion strategy and its model come from the registry, so a
server started before `puhui run` built the bank answers 404 problems until it has. Decisions
are evaluated by the caller and logged through a `GroupCommit`, so concurrent requests share
one commit instead of taking turns at one fsync each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from puhui.governance import audit
from puhui.governance.audit import AuditEntry
from puhui.governance.registry import (
    champion,
    create_registry_tables,
    load_strategy_version,
    materialise_model,
)
from puhui.groupcommit import LoopGroupCommit
from puhui.risk.decide import Decider, DecisionResult
from puhui.risk.model import load_model
from puhui.services.decisions import DecisionService, grant_credit_line
from puhui.servicing.store import Db
from puhui.settings import Settings

T = TypeVar("T")


class DecisionsContext:
    def __init__(self, settings: Settings, on_open: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self._on_open = on_open
        self._lock = threading.Lock()
        self._db: Db | None = None
        self._service: DecisionService | None = None
        self._committer: LoopGroupCommit | None = None

    @property
    def db(self) -> Db:
        if self._db is None:
            db = Db(self.settings.database_url)
            # a fresh platform (no bank built yet) answers empty lists and 404s, not 500s
            audit.create_audit_tables(db)
            create_registry_tables(db)
            self._db = db
        return self._db

    def _open_service(self) -> DecisionService:
        if self._service is None:
            db = self.db
            strategy_version, model_version = champion(db)
            cache = Path(self.settings.data_dir) / "models"
            model = load_model(materialise_model(db, model_version, cache))
            strategy = load_strategy_version(db, strategy_version)
            self._service = DecisionService(
                db,
                Decider.single(model, strategy),
                grant_line=grant_credit_line(),
                model_cache=cache,
            )
            if self._on_open is not None:
                self._on_open()  # e.g. the API settles its heap: the model is long-lived
        return self._service

    def reload(self) -> None:
        """Forget the opened champion: the next decision opens the one promoted since."""
        with self._lock:
            self._service = None

    def service(self) -> DecisionService:
        """The decision service; no lock once open (the loop must not wait on a commit)."""
        if self._service is not None:
            return self._service
        with self._lock:
            return self._open_service()

    async def record(
        self, service: DecisionService, result: DecisionResult, grant: bool
    ) -> AuditEntry:
        """Log an evaluated decision (and grant its line) in the next group commit."""
        if self._committer is None:
            with self._lock:
                if self._committer is None:
                    self._committer = LoopGroupCommit(self.db, lock=self._lock)
        return await self._committer.run(lambda db: service.record(result, grant=grant))

    def with_service(self, fn: Callable[[DecisionService], T]) -> T:
        """Run `fn` with the decision service; one connection, so requests take turns."""
        with self._lock:
            return fn(self._open_service())

    def with_db(self, fn: Callable[[Db], T]) -> T:
        with self._lock:
            return fn(self.db)

    # -- reads for the API and console --------------------------------------------------
    def decision(self, decision_id: str) -> AuditEntry:
        """One logged decision (NotFound when unknown)."""
        return self.with_db(lambda db: audit.get(db, decision_id))

    def audit_trail(
        self,
        *,
        customer_id: str | None = None,
        outcome: str | None = None,
        since: str | None = None,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """The decision audit, newest first, filtered."""
        return self.with_db(
            lambda db: audit.query(
                db, customer_id=customer_id, outcome=outcome, since=since, limit=limit
            )
        )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
