"""The console's read model: one function per panel, plain SQL on SQLite and PostgreSQL.

Each function returns `None` when the tables it reads do not exist yet (the page then shows
"no data yet"), so the console runs on any database the platform has opened, whatever parts
of the business have been switched on.

Tables read here and where they come from:
- `ledger_accounts`, `ledger_transfers` (puhui.ledger): 128-bit values are INTEGER below 2^63
  and 16-byte big-endian BLOBs above it on SQLite, uuid/numeric on PostgreSQL, so sums are
  taken in SQL on PostgreSQL and streamed through Python on SQLite (`ReadModel._sums`).
- `decision_audit` (puhui.governance.audit), `governance_models` (puhui.governance.registry).
- `lending_state`, `lending_lines`, `lending_loans`, `lending_installments`,
  `lending_transactions` (puhui.servicing.store): created when the lending service first opens
  the database. Rates are read into `Rate`s here, whatever unit their column names:
  `nominal_rate_ppm` (parts per million), `apr_*_pct` (percent text), `decision_audit.nominal_rate`
  (fraction text).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from puhui.db import DatabaseUrl, connect, parse_database_url
from puhui.ledger.store import u128
from puhui.lending.products import default_product
from puhui.population.generator import NON_FEATURES
from puhui.rate import PPM, Rate
from puhui.risk.exposure import DEFAULT_CCF, DEFAULT_DPD, LineExposure, undrawn_limit
from puhui.risk.pricing import PricingParams

#: Loss given default for a line whose strategy is not in the registry: the pricing default.
DEFAULT_LGD = PricingParams().lgd

#: The synthetic population's ground truth and behaviour hooks: never shown as customer data.
UNOBSERVABLE = frozenset(NON_FEATURES)

#: Delinquency buckets in order, current first: the shipped product's.
BUCKETS = ("M0", *(b.name for b in default_product().delinquency.buckets))


def day_text(ordinal: int | None) -> str:
    """A lending `*_day` proleptic ordinal as an ISO date."""
    return date.fromordinal(int(ordinal)).isoformat() if ordinal else ""


@dataclass
class CodeTotals:
    ledger: int
    code: int
    count: int = 0
    debits: int = 0
    credits: int = 0
    pending_debits: int = 0
    pending_credits: int = 0

    @property
    def net_debit(self) -> int:
        return self.debits - self.credits


@dataclass
class TransferTotals:
    ledger: int
    code: int
    count: int = 0
    amount: int = 0


@dataclass
class Portfolio:
    customers: int
    active_lines: int
    loans: int
    outstanding: dict[str, int] = field(default_factory=dict)  # currency -> minor units
    as_of: str = ""  # the close of business the figures are from; "" when read live


def _percents(values: set[Decimal]) -> str:
    """`{0.85, 0.6}` -> "60%/85%"."""
    return "/".join(f"{float(v * 100):g}%" for v in sorted(values))


@dataclass
class LineRow:
    """A credit line and its exposure (None when no decision gives it a PD)."""

    line_id: str
    currency: str
    limit_minor: int
    status: str
    exposure: LineExposure | None


@dataclass
class ExpectedLoss:
    """One currency's expected loss over credit lines, in minor units (Decimals until shown)."""

    currency: str
    lines: int = 0
    lines_without_pd: int = 0
    drawn: int = 0  # EAD of drawn balances: principal outstanding of active loans
    undrawn: int = 0  # limit still available on active, unexpired lines
    ead_undrawn: Decimal = Decimal(0)  # CCF x undrawn
    el_drawn: Decimal = Decimal(0)
    el_undrawn: Decimal = Decimal(0)
    lgd: set[Decimal] = field(default_factory=set)  # the LGDs and CCFs the lines' strategies use
    ccf: set[Decimal] = field(default_factory=set)

    @property
    def ead(self) -> Decimal:
        return self.drawn + self.ead_undrawn

    @property
    def total(self) -> int:
        """EL in whole minor units (rounded once, half-even)."""
        return int((self.el_drawn + self.el_undrawn).to_integral_value())

    @property
    def lgd_text(self) -> str:
        return _percents(self.lgd)

    @property
    def ccf_text(self) -> str:
        return _percents(self.ccf)

    @property
    def rate(self) -> float | None:
        """EL as a share of EAD."""
        return float((self.el_drawn + self.el_undrawn) / self.ead) if self.ead else None


@dataclass
class ApprovalStats:
    total: int
    by_outcome: dict[str, int]
    per_day: list[tuple[str, dict[str, int]]]

    @property
    def approval_rate(self) -> float | None:
        return self.by_outcome.get("approve", 0) / self.total if self.total else None


class ReadModel:
    """Opens a short-lived connection per panel; nothing here writes."""

    def __init__(self, url: str | DatabaseUrl) -> None:
        self.url = url if isinstance(url, DatabaseUrl) else parse_database_url(url)

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        conn = connect(self.url)
        try:
            yield conn
        finally:
            if self.url.dialect == "postgresql":
                conn.rollback()
            conn.close()

    def _rows(self, conn: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(conn.execute(self.url.sql(sql), tuple(params)).fetchall())

    def _tables(self, conn: Any) -> set[str]:
        if self.url.dialect == "sqlite":
            rows = self._rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            rows = self._rows(
                conn,
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = ANY(current_schemas(false))",
            )
        return {str(r[0]) for r in rows}

    # -- ledger -------------------------------------------------------------------------
    def _sums(
        self,
        conn: Any,
        table: str,
        keys: Sequence[str],
        values: Sequence[str],
        where: str = "",
        params: Sequence[Any] = (),
    ) -> dict[tuple[int, ...], list[int]]:
        """Per group of `keys` (SQL expressions): [row count, exact sum of each 128-bit column].

        PostgreSQL sums numeric(39,0) itself. On SQLite a value is an INTEGER below 2^63 and a
        16-byte BLOB above, so rows are streamed and summed in Python: `bench/console.py`
        measured summing 32-bit halves in SQL plus a pass for the BLOBs within about 15% of
        it either way, so the simpler code stays.
        """
        group = ", ".join(keys)
        cond = f" WHERE {where}" if where else ""
        k = len(keys)
        out: dict[tuple[int, ...], list[int]] = {}
        if self.url.dialect == "postgresql":
            sums = ", ".join(f"SUM({v})" for v in values)
            for r in self._rows(
                conn,
                f"SELECT {group}, COUNT(*), {sums} FROM {table}{cond} GROUP BY {group}",
                params,
            ):
                out[tuple(int(x) for x in r[:k])] = [int(r[k]), *(u128(x) for x in r[k + 1 :])]
            return out
        cursor = conn.execute(
            f"SELECT {group}, {', '.join(values)} FROM {table}{cond}", tuple(params)
        )
        columns = range(k, k + len(values))
        for r in cursor:
            key = r[:k]
            totals = out.get(key)
            if totals is None:
                totals = out[key] = [0] * (len(values) + 1)
            totals[0] += 1
            for i in columns:
                value = r[i]
                totals[i - k + 1] += value if type(value) is int else u128(value)
        return out

    def accounts_by_code(self) -> list[CodeTotals] | None:
        with self._conn() as conn:
            if "ledger_accounts" not in self._tables(conn):
                return None
            sums = self._sums(
                conn,
                "ledger_accounts",
                ("ledger", "code"),
                ("debits_posted", "credits_posted", "debits_pending", "credits_pending"),
            )
        return [CodeTotals(k[0], k[1], *sums[k]) for k in sorted(sums)]

    def _transfer_summary(
        self, conn: Any, tables: set[str], where: str = "", params: Sequence[Any] = ()
    ) -> dict[tuple[int, int, int], list[int]] | None:
        """(UTC day, ledger, code) -> [transfers, amount]: COB's daily summary
        (`lending_daily_transfers`, puhui.servicing.summary) plus the transfers after its
        watermark; None when there is no summary yet (the caller scans `ledger_transfers`)."""
        if not {"lending_daily_transfers", "lending_summary_state"} <= tables:
            return None
        state = self._rows(conn, "SELECT transfers_through FROM lending_summary_state")
        if not state:
            return None
        cond = f" WHERE {where}" if where else ""
        out: dict[tuple[int, int, int], list[int]] = {}
        for d, ledger, code, n, amount in self._rows(
            conn,
            f"SELECT day, ledger, code, transfers, amount FROM lending_daily_transfers{cond}",
            params,
        ):
            out[(int(d), int(ledger), int(code))] = [int(n), int(amount)]
        day_ns = 86_400_000_000_000
        tail = self._sums(
            conn,
            "ledger_transfers",
            (f"timestamp / {day_ns}", "ledger", "code"),
            ("amount",),
            "timestamp > ?",
            (int(state[0][0]),),
        )
        for key, (n, amount) in tail.items():
            cell = out.setdefault((int(key[0]), int(key[1]), int(key[2])), [0, 0])
            cell[0] += n
            cell[1] += amount
        return out

    def transfers_by_code(self) -> list[TransferTotals] | None:
        with self._conn() as conn:
            tables = self._tables(conn)
            if "ledger_transfers" not in tables:
                return None
            summary = self._transfer_summary(conn, tables)
            if summary is None:
                sums = self._sums(conn, "ledger_transfers", ("ledger", "code"), ("amount",))
            else:
                sums = {}
                for (_, ledger, code), (n, amount) in summary.items():
                    cell = sums.setdefault((ledger, code), [0, 0])
                    cell[0] += n
                    cell[1] += amount
        return [TransferTotals(k[0], k[1], *sums[k]) for k in sorted(sums)]

    def transfers_per_day(self, ledger: int, days: int = 30) -> list[tuple[str, int, int]] | None:
        """(UTC date, transfers, amount) for one ledger over the last `days` days with data.

        From COB's daily summary when there is one; else timestamps (ns since the epoch, the
        transfers' key) make the window a range scan of the newest rows.
        """
        epoch = date(1970, 1, 1).toordinal()
        with self._conn() as conn:
            tables = self._tables(conn)
            if "ledger_transfers" not in tables:
                return None
            summary = self._transfer_summary(conn, tables, "ledger = ?", (ledger,))
            if summary is not None:
                per_day: dict[int, list[int]] = {}
                for (d, led, _), (n, amount) in summary.items():
                    if led == ledger:
                        cell = per_day.setdefault(d, [0, 0])
                        cell[0] += n
                        cell[1] += amount
                if not per_day:
                    return []
                since_day = max(per_day) - days + 1
                return [
                    (date.fromordinal(epoch + d).isoformat(), per_day[d][0], per_day[d][1])
                    for d in sorted(per_day)
                    if d >= since_day
                ]
            newest = self._rows(conn, "SELECT MAX(timestamp) FROM ledger_transfers")[0][0]
            if newest is None:
                return []
            day_ns = 86_400_000_000_000
            since = (int(newest) // day_ns - days + 1) * day_ns
            sums = self._sums(
                conn,
                "ledger_transfers",
                (f"timestamp / {day_ns}",),
                ("amount",),
                "timestamp >= ? AND ledger = ?",
                (since, ledger),
            )
        return [
            (date.fromordinal(epoch + k[0]).isoformat(), sums[k][0], sums[k][1])
            for k in sorted(sums)
        ]

    def transfer_count(self) -> int | None:
        with self._conn() as conn:
            tables = self._tables(conn)
            if "ledger_transfers" not in tables:
                return None
            summary = self._transfer_summary(conn, tables)
            if summary is not None:
                return sum(n for n, _ in summary.values())
            return int(self._rows(conn, "SELECT COUNT(*) FROM ledger_transfers")[0][0])

    # -- lending --------------------------------------------------------------------------
    def _book_day(self, conn: Any, tables: set[str]) -> int | None:
        """The newest business day whose close COB summarised (`lending_daily_lines`)."""
        if not {"lending_daily_book", "lending_daily_lines"} <= tables:
            return None
        newest = self._rows(conn, "SELECT MAX(business_day) FROM lending_daily_lines")[0][0]
        return None if newest is None else int(newest)

    def portfolio(self) -> Portfolio | None:
        """Customers holding lines, active lines, open loans and their principal outstanding:
        as of the last close of business (COB's summary; `as_of` says which), or from the
        tables themselves before any COB."""
        with self._conn() as conn:
            tables = self._tables(conn)
            if not {"lending_lines", "lending_loans"} <= tables:
                return None
            day = self._book_day(conn, tables)
            if day is not None:
                customers, active = self._rows(
                    conn,
                    "SELECT customers, active_lines FROM lending_daily_lines"
                    " WHERE business_day = ?",
                    (day,),
                )[0]
                loans = self._rows(
                    conn,
                    "SELECT currency, SUM(loans), SUM(principal_outstanding)"
                    " FROM lending_daily_book WHERE business_day = ?"
                    " GROUP BY currency ORDER BY currency",
                    (day,),
                )
                return Portfolio(
                    customers=int(customers),
                    active_lines=int(active),
                    loans=sum(int(r[1]) for r in loans),
                    outstanding={str(r[0]): int(r[2] or 0) for r in loans},
                    as_of=day_text(day),
                )
            customers, active = self._rows(
                conn,
                "SELECT COUNT(DISTINCT customer_id), "
                "SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END) FROM lending_lines",
            )[0]
            loans = self._rows(
                conn,
                "SELECT currency, COUNT(*), SUM(principal_outstanding) FROM lending_loans "
                "WHERE status <> 'closed' GROUP BY currency ORDER BY currency",
            )
            return Portfolio(
                customers=int(customers or 0),
                active_lines=int(active or 0),
                loans=sum(int(r[1]) for r in loans),
                outstanding={str(r[0]): int(r[2] or 0) for r in loans},
            )

    def dpd_buckets(self) -> list[tuple[str, int, int]] | None:
        """(bucket, loans, principal outstanding) for open loans, in bucket order: as of the
        last close of business (COB's summary) once there is one."""
        with self._conn() as conn:
            tables = self._tables(conn)
            if "lending_loans" not in tables:
                return None
            day = self._book_day(conn, tables)
            if day is not None:
                rows = self._rows(
                    conn,
                    "SELECT bucket, SUM(loans), SUM(principal_outstanding)"
                    " FROM lending_daily_book WHERE business_day = ? GROUP BY bucket",
                    (day,),
                )
            else:
                rows = self._rows(
                    conn,
                    "SELECT bucket, COUNT(*), SUM(principal_outstanding) FROM lending_loans "
                    "WHERE status <> 'closed' GROUP BY bucket",
                )
        found = {str(r[0]): (int(r[1]), int(r[2] or 0)) for r in rows}
        order = [b for b in BUCKETS if b in found] + sorted(set(found) - set(BUCKETS))
        return [(b, *found[b]) for b in order]

    def vintage_curves(self) -> dict[str, list[tuple[int, float]]] | None:
        """Per disbursal month: (installment n, share of the cohort's loans with n overdue).

        Installment n is overdue when its due day is before the business day and what was
        billed for it is not fully paid. The denominator is the cohort's loans whose
        installment n has fallen due, so young vintages have short curves.
        """
        with self._conn() as conn:
            tables = self._tables(conn)
            if not {"lending_loans", "lending_installments", "lending_state"} <= tables:
                return None
            state = self._rows(conn, "SELECT business_day FROM lending_state")
            if not state:
                return {}
            today = int(state[0][0])
            rows = self._rows(
                conn,
                "SELECT l.disbursed_day, i.n, "
                "CASE WHEN i.principal_paid + i.interest_paid + i.fee_paid "
                "< i.principal_billed + i.interest_billed + i.fee_billed THEN 1 ELSE 0 END "
                "FROM lending_loans l JOIN lending_installments i ON i.loan_id = l.id "
                "WHERE i.due_day < ?",
                (today,),
            )
        counts: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for disbursed, n, overdue in rows:
            month = date.fromordinal(int(disbursed)).strftime("%Y-%m")
            cell = counts[month][int(n)]
            cell[0] += int(overdue)
            cell[1] += 1
        return {
            month: [(n, c[0] / c[1]) for n, c in sorted(by_n.items())]
            for month, by_n in sorted(counts.items())
        }

    def customer_count(self) -> int | None:
        """Distinct customers the platform knows: profiles, credit lines and decisions."""
        with self._conn() as conn:
            tables = self._tables(conn)
            parts = [
                f"SELECT customer_id FROM {t}"
                for t in ("platform_customers", "lending_lines", "decision_audit")
                if t in tables
            ]
            if not parts:
                return None
            sql = f"SELECT COUNT(*) FROM ({' UNION '.join(parts)}) AS people"
            return int(self._rows(conn, sql)[0][0])

    def customers(self, limit: int = 200) -> list[dict[str, Any]] | None:
        """Customers known from credit lines and from decisions, newest decision first."""
        with self._conn() as conn:
            tables = self._tables(conn)
            people: dict[str, dict[str, Any]] = {}
            if "decision_audit" in tables:
                for cid, n, last in self._rows(
                    conn,
                    "SELECT customer_id, COUNT(*), MAX(decided_at) FROM decision_audit "
                    "GROUP BY customer_id ORDER BY MAX(decided_at) DESC LIMIT ?",
                    (limit,),
                ):
                    people[str(cid)] = {
                        "customer_id": str(cid),
                        "decisions": int(n),
                        "last_decision": str(last),
                        "lines": 0,
                        "total_limit": {},
                    }
            if "lending_lines" in tables:
                for cid, currency, n, total in self._rows(
                    conn,
                    "SELECT customer_id, currency, COUNT(*), SUM(limit_minor) FROM lending_lines "
                    "GROUP BY customer_id, currency ORDER BY customer_id LIMIT ?",
                    (limit,),
                ):
                    p = people.setdefault(
                        str(cid),
                        {
                            "customer_id": str(cid),
                            "decisions": 0,
                            "last_decision": "",
                            "lines": 0,
                            "total_limit": {},
                        },
                    )
                    p["lines"] += int(n)
                    p["total_limit"][str(currency)] = int(total or 0)
            if not tables & {"decision_audit", "lending_lines"}:
                return None
            return list(people.values())[:limit]

    def customer_profile(self, customer_id: str) -> dict[str, Any] | None:
        """The customer's profile (`platform_customers`, written by the main job), if any."""
        with self._conn() as conn:
            if "platform_customers" not in self._tables(conn):
                return None
            rows = self._rows(
                conn,
                "SELECT profile_json FROM platform_customers WHERE customer_id = ?",
                (customer_id,),
            )
        if not rows:
            return None
        profile: dict[str, Any] = json.loads(rows[0][0])
        return {k: v for k, v in profile.items() if k not in UNOBSERVABLE}

    def lines_of(self, customer_id: str) -> list[dict[str, Any]] | None:
        with self._conn() as conn:
            if "lending_lines" not in self._tables(conn):
                return None
            rows = self._rows(
                conn,
                "SELECT id, currency, limit_minor, nominal_rate_ppm, expires_day, status,"
                " product_id, product_version FROM lending_lines WHERE customer_id = ? ORDER BY id",
                (customer_id,),
            )
        return [
            {
                "id": str(r[0]),
                "currency": str(r[1]),
                "limit_minor": int(r[2]),
                "nominal_rate": Rate.from_units(int(r[3]), PPM),
                "expires": day_text(r[4]),
                "status": str(r[5]),
                "product": f"{r[6]}@{r[7]}",
            }
            for r in rows
        ]

    _LOAN_COLS = (
        "id, line_id, product_id, product_version, currency, principal, installments, "
        "disbursed_day, maturity_day, nominal_rate_ppm, apr_nominal_pct, apr_effective_pct, "
        "upfront_fee, "
        "status, principal_outstanding, dpd, bucket"
    )

    @staticmethod
    def _loan(r: Sequence[Any]) -> dict[str, Any]:
        return {
            "id": str(r[0]),
            "line_id": str(r[1]),
            "product": f"{r[2]}@{r[3]}",
            "currency": str(r[4]),
            "principal": int(r[5]),
            "installments": int(r[6]),
            "disbursed": day_text(r[7]),
            "maturity": day_text(r[8]),
            "nominal_rate": Rate.from_units(int(r[9]), PPM),
            "apr_nominal": Rate.from_percent(str(r[10])),
            "apr_effective": Rate.from_percent(str(r[11])),
            "upfront_fee": int(r[12]),
            "status": str(r[13]),
            "principal_outstanding": int(r[14]),
            "dpd": int(r[15]),
            "bucket": str(r[16]),
        }

    def loans_of(self, customer_id: str) -> list[dict[str, Any]] | None:
        with self._conn() as conn:
            if not {"lending_loans", "lending_lines"} <= self._tables(conn):
                return None
            cols = ", ".join(f"l.{c.strip()}" for c in self._LOAN_COLS.split(","))
            rows = self._rows(
                conn,
                f"SELECT {cols} FROM lending_loans l JOIN lending_lines c ON c.id = l.line_id "
                "WHERE c.customer_id = ? ORDER BY l.disbursed_day DESC, l.id",
                (customer_id,),
            )
        return [self._loan(r) for r in rows]

    def loan(self, loan_id: str) -> dict[str, Any] | None:
        """The loan with its customer, schedule and transactions; None if absent or no tables."""
        if not loan_id.isdigit():
            return None
        with self._conn() as conn:
            tables = self._tables(conn)
            if not {"lending_loans", "lending_lines"} <= tables:
                return None
            rows = self._rows(
                conn, f"SELECT {self._LOAN_COLS} FROM lending_loans WHERE id = ?", (int(loan_id),)
            )
            if not rows:
                return None
            loan = self._loan(rows[0])
            owner = self._rows(
                conn, "SELECT customer_id FROM lending_lines WHERE id = ?", (loan["line_id"],)
            )
            loan["customer_id"] = str(owner[0][0]) if owner else ""
            loan["schedule"] = []
            if "lending_installments" in tables:
                loan["schedule"] = [
                    {
                        "n": int(r[0]),
                        "due": day_text(r[1]),
                        "principal": int(r[2]),
                        "interest": int(r[3]),
                        "fee": int(r[4]),
                        "paid": int(r[5]) + int(r[6]) + int(r[7]),
                    }
                    for r in self._rows(
                        conn,
                        "SELECT n, due_day, sched_principal, sched_interest, sched_fee, "
                        "principal_paid, interest_paid, fee_paid FROM lending_installments "
                        "WHERE loan_id = ? ORDER BY n",
                        (int(loan_id),),
                    )
                ]
            loan["transactions"] = []
            if "lending_transactions" in tables:
                loan["transactions"] = [
                    {
                        "id": str(r[0]),
                        "kind": str(r[1]),
                        "day": day_text(r[2]),
                        "amount": int(r[3]),
                        "reversed": r[4] is not None,
                    }
                    for r in self._rows(
                        conn,
                        "SELECT id, kind, business_day, amount, reversed_by FROM "
                        "lending_transactions WHERE loan_id = ? ORDER BY id",
                        (int(loan_id),),
                    )
                ]
            return loan

    # -- decisions ------------------------------------------------------------------------
    _DECISION_COLS = (
        "decision_id, application_id, customer_id, decided_at, inputs_sha256, features_json, "
        "strategy_version, model_version, arm, outcome, pd, score, limit_minor, nominal_rate, "
        "currency, "
        "rules_fired_json, reasons_json, outputs_json, shadow_json, line_id"
    )

    @staticmethod
    def _decision(r: Sequence[Any]) -> dict[str, Any]:
        return {
            "decision_id": str(r[0]),
            "application_id": str(r[1]),
            "customer_id": str(r[2]),
            "decided_at": str(r[3]),
            "inputs_sha256": str(r[4]),
            "features": json.loads(r[5]),
            "strategy_version": str(r[6]),
            "model_version": str(r[7]),
            "arm": str(r[8]),
            "outcome": str(r[9]),
            "pd": float(r[10]),
            "score": int(r[11]),
            "limit_minor": int(r[12]),
            "nominal_rate": None if r[13] is None else Rate.of(str(r[13])),
            "currency": str(r[14]),
            "rules_fired": json.loads(r[15]),
            "reasons": json.loads(r[16]),
            "outputs": json.loads(r[17]),
            "shadow": json.loads(r[18]) if r[18] else None,
            "line_id": r[19],
        }

    def decisions(
        self, *, outcome: str | None = None, customer_id: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]] | None:
        """Newest first, optionally one outcome or one customer's."""
        where, params = [], []
        if outcome:
            where.append("outcome = ?")
            params.append(outcome)
        if customer_id:
            where.append("customer_id = ?")
            params.append(customer_id)
        sql = f"SELECT {self._DECISION_COLS} FROM decision_audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY decided_at DESC, decision_id DESC LIMIT ?"
        with self._conn() as conn:
            if "decision_audit" not in self._tables(conn):
                return None
            return [self._decision(r) for r in self._rows(conn, sql, [*params, limit])]

    def decision(self, decision_id: str) -> dict[str, Any] | None:
        return self._one_decision("decision_id", decision_id)

    def decision_for_line(self, line_id: str) -> dict[str, Any] | None:
        return self._one_decision("line_id", line_id)

    def _one_decision(self, column: str, value: str) -> dict[str, Any] | None:
        with self._conn() as conn:
            if "decision_audit" not in self._tables(conn):
                return None
            rows = self._rows(
                conn,
                f"SELECT {self._DECISION_COLS} FROM decision_audit WHERE {column} = ? "
                "ORDER BY decided_at DESC LIMIT 1",
                (value,),
            )
            return self._decision(rows[0]) if rows else None

    def approvals(self, days: int = 30) -> ApprovalStats | None:
        """Outcome counts overall and for the last `days` days that have decisions."""
        with self._conn() as conn:
            if "decision_audit" not in self._tables(conn):
                return None
            rows = self._rows(
                conn,
                "SELECT SUBSTR(decided_at, 1, 10) AS d, outcome, COUNT(*) FROM decision_audit "
                "GROUP BY d, outcome ORDER BY d",
            )
        per: dict[str, dict[str, int]] = defaultdict(dict)
        totals: dict[str, int] = defaultdict(int)
        for d, outcome, n in rows:
            per[str(d)][str(outcome)] = int(n)
            totals[str(outcome)] += int(n)
        return ApprovalStats(sum(totals.values()), dict(totals), sorted(per.items())[-days:])

    def line_exposures(self) -> list[LineRow] | None:
        """Every credit line with its PD, LGD, CCF, drawn and undrawn amounts (`LineExposure`).

        Tables: `lending_lines` (limit, status, expiry), `lending_loans` (principal outstanding
        of active loans, and their days past due), `lending_state` (business day),
        `decision_audit` (the PD of the newest decision that names the line) and
        `governance_strategies` (that decision's strategy: its `pricing.lgd` and `pricing.ccf`).
        A line no decision names has no PD: it is counted apart, never guessed.
        """
        with self._conn() as conn:
            tables = self._tables(conn)
            if not {"lending_lines", "lending_loans", "lending_state"} <= tables:
                return None
            state = self._rows(conn, "SELECT business_day FROM lending_state")
            today = int(state[0][0]) if state else 0
            lines = self._rows(
                conn, "SELECT id, currency, limit_minor, status, expires_day FROM lending_lines"
            )
            drawn: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            for line_id, performing, defaulted in self._rows(
                conn,
                "SELECT line_id, "
                f"SUM(CASE WHEN dpd < {DEFAULT_DPD} THEN principal_outstanding ELSE 0 END), "
                f"SUM(CASE WHEN dpd >= {DEFAULT_DPD} THEN principal_outstanding ELSE 0 END) "
                "FROM lending_loans WHERE status = 'active' GROUP BY line_id",
            ):
                drawn[str(line_id)] = [int(performing or 0), int(defaulted or 0)]
            latest: dict[str, tuple[str, float, str]] = {}
            if "decision_audit" in tables:
                for line_id, decided_at, pd, version in self._rows(
                    conn,
                    "SELECT line_id, decided_at, pd, strategy_version FROM decision_audit "
                    "WHERE line_id IS NOT NULL",
                ):
                    key = str(line_id)
                    if key not in latest or str(decided_at) >= latest[key][0]:
                        latest[key] = (str(decided_at), float(pd), str(version))
            params: dict[str, tuple[Decimal, Decimal]] = {}
            if "governance_strategies" in tables:
                for version, data in self._rows(
                    conn, "SELECT version, data_json FROM governance_strategies"
                ):
                    pricing = json.loads(data).get("pricing", {})
                    params[str(version)] = (
                        Decimal(str(pricing.get("lgd", DEFAULT_LGD))),
                        Decimal(str(pricing.get("ccf", DEFAULT_CCF))),
                    )
        out = []
        for line_id, currency, limit_minor, status, expires_day in lines:
            key = str(line_id)
            performing, defaulted = drawn.get(key, (0, 0))
            available = str(status) == "active" and int(expires_day) >= today
            undrawn = undrawn_limit(int(limit_minor), performing + defaulted, available=available)
            decided = latest.get(key)
            exposure = None
            if decided is not None:
                lgd, ccf = params.get(decided[2], (DEFAULT_LGD, DEFAULT_CCF))
                exposure = LineExposure(
                    pd=Decimal(str(decided[1])),
                    lgd=lgd,
                    ccf=ccf,
                    drawn=performing,
                    defaulted=defaulted,
                    undrawn=undrawn,
                )
            out.append(LineRow(key, str(currency), int(limit_minor), str(status), exposure))
        return out

    def expected_loss(self) -> dict[str, ExpectedLoss] | None:
        """EL = PD x LGD x EAD summed over credit lines, per currency, drawn and undrawn apart.

        EAD = drawn balance + CCF x undrawn limit (`puhui.risk.exposure`); see `line_exposures`
        for the tables read.
        """
        rows = self.line_exposures()
        if rows is None:
            return None
        totals: dict[str, ExpectedLoss] = {}
        for row in rows:
            t = totals.setdefault(row.currency, ExpectedLoss(row.currency))
            t.lines += 1
            e = row.exposure
            if e is None:
                t.lines_without_pd += 1
                continue
            t.drawn += e.ead_drawn
            t.undrawn += e.undrawn
            t.ead_undrawn += e.ead_undrawn
            t.el_drawn += e.el_drawn
            t.el_undrawn += e.el_undrawn
            t.lgd.add(e.lgd)
            t.ccf.add(e.ccf)
        return dict(sorted(totals.items()))

    def cost_report(self) -> dict[str, Any] | None:
        """The newest `puhui cost report --save` (table `cost_reports`, puhui.cost)."""
        with self._conn() as conn:
            if "cost_reports" not in self._tables(conn):
                return None
            rows = self._rows(
                conn, "SELECT report_json FROM cost_reports ORDER BY created_at DESC LIMIT 1"
            )
        if not rows:
            return None
        report: dict[str, Any] = json.loads(rows[0][0])
        return report

    # -- models ---------------------------------------------------------------------------
    def models(self) -> list[dict[str, Any]] | None:
        with self._conn() as conn:
            if "governance_models" not in self._tables(conn):
                return None
            rows = self._rows(
                conn,
                "SELECT version, name, kind, registered_at, metrics_json FROM governance_models "
                "ORDER BY registered_at DESC, version",
            )
        return [
            {
                "version": str(r[0]),
                "name": str(r[1]),
                "kind": str(r[2]),
                "registered_at": str(r[3]),
                "metrics": json.loads(r[4] or "{}"),
            }
            for r in rows
        ]

    def model(self, version: str) -> dict[str, Any] | None:
        with self._conn() as conn:
            if "governance_models" not in self._tables(conn):
                return None
            rows = self._rows(
                conn,
                "SELECT version, name, kind, registered_at, metrics_json, card_md "
                "FROM governance_models WHERE version = ?",
                (version,),
            )
        if not rows:
            return None
        r = rows[0]
        return {
            "version": str(r[0]),
            "name": str(r[1]),
            "kind": str(r[2]),
            "registered_at": str(r[3]),
            "metrics": json.loads(r[4] or "{}"),
            "card_md": str(r[5]),
        }
