"""Credit lines (授信): a limit at a price (its nominal annual rate) until an expiry.

available = limit − outstanding principal − written-off principal of the line's loans (never
below zero): a write-off never gives the customer the limit back. A drawdown
locks its line row first (`SELECT ... FOR UPDATE` on PostgreSQL, the database write lock on
SQLite) and computes `available` under that lock, so concurrent drawdowns on one line are
serialised and can never together exceed the limit.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from puhui.errors import ConflictError, NotFoundError, ValidationError
from puhui.lending.products import Product
from puhui.lending.terms import MAX_RATE
from puhui.money import Money, exponent
from puhui.rate import PPM, Rate
from puhui.servicing.catalog import load_product
from puhui.servicing.store import Db


class LineStatus(enum.StrEnum):
    ACTIVE = "active"
    FROZEN = "frozen"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CreditLine:
    id: str
    customer_id: str
    currency: str
    limit: int
    nominal_rate: Rate
    expires: date
    status: LineStatus
    product_id: str
    product_version: int
    outstanding: int
    written_off: int = 0

    @property
    def available(self) -> int:
        return max(0, self.limit - self.outstanding - self.written_off)

    def to_dict(self) -> dict[str, Any]:
        digits = exponent(self.currency)

        def fmt(minor: int) -> str:
            return str(Money(minor, self.currency).amount)

        return {
            "id": self.id,
            "customer_id": self.customer_id,
            "currency": self.currency,
            "limit": fmt(self.limit),
            "outstanding": fmt(self.outstanding),
            "written_off": fmt(self.written_off),
            "available": fmt(self.available),
            "annual_rate": self.nominal_rate.percent_text(None),
            "expires": self.expires.isoformat(),
            "status": self.status.value,
            "product": f"{self.product_id}@{self.product_version}",
            "digits": digits,
        }


def parse_amount(value: Decimal | int | str, currency: str, field: str = "amount") -> int:
    """A positive amount in minor units of `currency`; zero, negative or too precise is refused."""
    money = Money.parse(value, currency, field=field)
    if money.minor <= 0:
        raise ValidationError(f"{field} must be positive, got {value}", field=field)
    return money.minor


def rate_ppm(rate: Rate, field: str = "nominal_rate") -> int:
    """A line's nominal annual rate as stored: whole parts per million, 0% to 1000%."""
    if not isinstance(rate, Rate):
        raise ValidationError(f"{field} must be a Rate", field=field)
    if not 0 <= rate.fraction <= MAX_RATE:
        raise ValidationError(f"{field} must be between 0% and 1000%", field=field)
    return rate.per_unit(PPM, field)


_COLUMNS = (
    "id, customer_id, currency, limit_minor, nominal_rate_ppm, expires_day, status,"
    " product_id, product_version"
)


def _row_to_line(db: Db, row: Any) -> CreditLine:
    used = db.one(
        "SELECT COALESCE(SUM(principal_outstanding), 0), COALESCE(SUM(principal_written_off), 0)"
        " FROM lending_loans WHERE line_id = ?",
        (row[0],),
    )
    return _line(row, int(used[0]), int(used[1]))


def _line(row: Any, outstanding: int, written_off: int) -> CreditLine:
    return CreditLine(
        id=str(row[0]),
        customer_id=str(row[1]),
        currency=str(row[2]),
        limit=int(row[3]),
        nominal_rate=Rate.from_units(int(row[4]), PPM),
        expires=date.fromordinal(int(row[5])),
        status=LineStatus(row[6]),
        product_id=str(row[7]),
        product_version=int(row[8]),
        outstanding=outstanding,
        written_off=written_off,
    )


def get_line(db: Db, line_id: str, *, lock: bool = False) -> CreditLine:
    sql = f"SELECT {_COLUMNS} FROM lending_lines WHERE id = ?" + (db.for_update if lock else "")
    row = db.one(sql, (line_id,))
    if row is None:
        raise NotFoundError(f"credit line {line_id!r} not found", field="line_id")
    return _row_to_line(db, row)


def get_lines(db: Db, line_ids: Sequence[str], *, lock: bool = False) -> dict[str, CreditLine]:
    """Many lines at once (two queries per 500), locked in id order; unknown ids are absent."""
    found: dict[str, CreditLine] = {}
    wanted = sorted(set(line_ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = db.all(
            f"SELECT {_COLUMNS} FROM lending_lines WHERE id IN ({marks}) ORDER BY id"
            + (db.for_update if lock else ""),
            chunk,
        )
        used = {
            r[0]: (int(r[1] or 0), int(r[2] or 0))
            for r in db.all(
                "SELECT line_id, SUM(principal_outstanding), SUM(principal_written_off)"
                f" FROM lending_loans WHERE line_id IN ({marks}) GROUP BY line_id",
                chunk,
            )
        }
        for row in rows:
            found[str(row[0])] = _line(row, *used.get(row[0], (0, 0)))
    return found


def create_line(
    db: Db,
    line_id: str,
    customer_id: str,
    limit: Decimal | str,
    nominal_rate: Rate,
    expires: date,
    product_id: str,
    product_version: int | None = None,
) -> CreditLine:
    """Grant a credit line; creating the same line again returns it (idempotent by id)."""
    if not isinstance(line_id, str) or not line_id.strip() or len(line_id) > 64:
        raise ValidationError("line_id must be 1..64 characters", field="line_id")
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise ValidationError("customer_id must not be empty", field="customer_id")
    if not isinstance(expires, date):
        raise ValidationError("expires must be a date", field="expires")
    product = load_product(db, product_id, product_version)
    limit_minor = Money.parse(limit, product.currency, field="limit").minor
    if limit_minor <= 0:
        raise ValidationError("limit must be positive", field="limit")
    ppm = rate_ppm(nominal_rate)
    values = (
        line_id,
        customer_id,
        product.currency,
        limit_minor,
        ppm,
        expires.toordinal(),
        LineStatus.ACTIVE.value,
        product.id,
        product.version,
    )
    existing = db.one(f"SELECT {_COLUMNS} FROM lending_lines WHERE id = ?", (line_id,))
    if existing is not None:
        same = (str(existing[1]), int(existing[3]), int(existing[4]))
        if same != (customer_id, limit_minor, ppm):
            raise ConflictError(f"credit line {line_id!r} exists with other terms", field="line_id")
        return _row_to_line(db, existing)
    db.execute(f"INSERT INTO lending_lines ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
    # A new line has no loans: nothing outstanding, no need to read it back.
    return CreditLine(
        id=line_id,
        customer_id=customer_id,
        currency=product.currency,
        limit=limit_minor,
        nominal_rate=Rate.from_units(ppm, PPM),
        expires=expires,
        status=LineStatus.ACTIVE,
        product_id=product.id,
        product_version=product.version,
        outstanding=0,
    )


@dataclass(frozen=True, slots=True)
class LineGrant:
    """One new credit line of a batch grant (pre-approval): limit in minor units."""

    line_id: str
    customer_id: str
    limit_minor: int
    nominal_rate: Rate
    expires: date


def grant_lines(db: Db, grants: Sequence[LineGrant], product: Product) -> int:
    """Insert many new lines of `product` in the caller's transaction: COPY on PostgreSQL,
    batched inserts (one statement per 20,000) on SQLite.

    For the batch pre-approval, whose line ids are new by construction (one per decision): an
    id that exists already is an integrity error, not a retry."""
    rows = []
    for g in grants:
        if g.limit_minor <= 0:
            raise ValidationError("limit must be positive", field="limit")
        rows.append(
            (
                g.line_id,
                g.customer_id,
                product.currency,
                g.limit_minor,
                rate_ppm(g.nominal_rate),
                g.expires.toordinal(),
                LineStatus.ACTIVE.value,
                product.id,
                product.version,
            )
        )
    if db.dialect != "sqlite" and rows:
        with (
            db.conn.cursor() as cur,
            cur.copy(f"COPY lending_lines ({_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return len(rows)
    for start in range(0, len(rows), 20_000):
        db.many(
            f"INSERT INTO lending_lines ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows[start : start + 20_000],
        )
    return len(rows)


def lines_by_customer(
    db: Db, customer_ids: Sequence[str], product_id: str
) -> dict[str, tuple[str, int, LineStatus]]:
    """The open (active or frozen) line of `product_id` of each customer that has one:
    customer -> (line id, limit, status). Many customers at once (one query per 500)."""
    found: dict[str, tuple[str, int, LineStatus]] = {}
    wanted = sorted(set(customer_ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = db.all(
            "SELECT customer_id, id, limit_minor, status FROM lending_lines"
            f" WHERE customer_id IN ({marks}) AND product_id = ? AND status <> ?"
            " ORDER BY customer_id, id",
            [*chunk, product_id, LineStatus.CLOSED.value],
        )
        for customer, line_id, limit_minor, status in rows:
            found.setdefault(str(customer), (str(line_id), int(limit_minor), LineStatus(status)))
    return found


@dataclass(frozen=True, slots=True)
class LineChange:
    """A new limit and status for an existing line (the daily refresh)."""

    line_id: str
    limit_minor: int
    status: LineStatus


def change_lines(db: Db, changes: Sequence[LineChange]) -> int:
    """Apply many limit/status changes in the caller's transaction (batched; closed lines are
    left alone)."""
    rows = []
    for c in changes:
        if c.limit_minor < 0:
            raise ValidationError("limit must not be negative", field="limit")
        rows.append((c.limit_minor, c.status.value, c.line_id, LineStatus.CLOSED.value))
    for start in range(0, len(rows), 20_000):
        db.many(
            "UPDATE lending_lines SET limit_minor = ?, status = ? WHERE id = ? AND status <> ?",
            rows[start : start + 20_000],
        )
    return len(rows)


def lines_of_customer(db: Db, customer_id: str) -> list[CreditLine]:
    """Every line granted to a customer, by id."""
    rows = db.all(
        f"SELECT {_COLUMNS} FROM lending_lines WHERE customer_id = ? ORDER BY id", (customer_id,)
    )
    return list(get_lines(db, [str(r[0]) for r in rows]).values())


def change_limit(db: Db, line_id: str, limit: Decimal | str) -> CreditLine:
    """Raise or lower the limit; lowering below the outstanding leaves nothing available."""
    line = get_line(db, line_id, lock=True)
    if line.status is LineStatus.CLOSED:
        raise ConflictError(f"credit line {line_id!r} is closed", field="line_id")
    minor = Money.parse(limit, line.currency, field="limit").minor
    if minor < 0:
        raise ValidationError("limit must not be negative", field="limit")
    db.execute("UPDATE lending_lines SET limit_minor = ? WHERE id = ?", (minor, line_id))
    return get_line(db, line_id)


def set_status(db: Db, line_id: str, status: LineStatus | str) -> CreditLine:
    """Freeze, unfreeze (active) or close a line; a closed line stays closed."""
    try:
        target = LineStatus(status)
    except ValueError:
        raise ValidationError(
            f"status {status!r} is not active/frozen/closed", field="status"
        ) from None
    line = get_line(db, line_id, lock=True)
    if line.status is LineStatus.CLOSED and target is not LineStatus.CLOSED:
        raise ConflictError(f"credit line {line_id!r} is closed", field="status")
    db.execute("UPDATE lending_lines SET status = ? WHERE id = ?", (target.value, line_id))
    return get_line(db, line_id)
