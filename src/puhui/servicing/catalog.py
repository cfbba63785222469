"""Products stored and versioned in the database, and the stored business date.

A product is registered under (id, version) with the sha256 fingerprint of its canonical
content; registering the same (id, version) again is a no-op if the content is identical and a
`ConflictError` if it differs (publish a new version instead). Loans keep the (id, version)
that priced them, so changing a product never rewrites an existing loan.

The business date lives in `lending_state`; it is set once and then only moved by COB. Nothing
here reads the clock.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache

from puhui.errors import ConflictError, NotFoundError, ValidationError
from puhui.lending.products import Product, parse_product
from puhui.servicing.store import Db


def register_product(db: Db, product: Product) -> tuple[str, int, str]:
    """Store `product`; returns (id, version, fingerprint)."""
    fingerprint = product.fingerprint()
    body = json.dumps(product.to_dict(), sort_keys=True, separators=(",", ":"))
    row = db.one(
        "SELECT fingerprint FROM lending_products WHERE product_id = ? AND version = ?",
        (product.id, product.version),
    )
    if row is None:
        db.execute(
            "INSERT INTO lending_products (product_id, version, fingerprint, body)"
            " VALUES (?, ?, ?, ?)",
            (product.id, product.version, fingerprint, body),
        )
    elif row[0] != fingerprint:
        raise ConflictError(
            f"product {product.id} version {product.version} is already registered with"
            " different content; publish a new version",
            field="version",
        )
    return product.id, product.version, fingerprint


@lru_cache(maxsize=256)
def _parse(body: str) -> Product:
    return parse_product(json.loads(body))


_BY_KEY: dict[tuple[str, str, int], Product] = {}


def load_product(db: Db, product_id: str, version: int | None = None) -> Product:
    """A registered product (the latest version if `version` is None).

    (id, version) is immutable once registered, so it is cached per database URL.
    """
    if version is None:  # the latest: look up its number, then the cached (id, version)
        (latest,) = db.one(
            "SELECT MAX(version) FROM lending_products WHERE product_id = ?", (product_id,)
        )
        if latest is None:
            raise NotFoundError(f"product {product_id} is not registered", field="product")
        version = int(latest)
    key = (db.url.raw, product_id, version)
    if key in _BY_KEY:
        return _BY_KEY[key]
    row = db.one(
        "SELECT body FROM lending_products WHERE product_id = ? AND version = ?",
        (product_id, version),
    )
    if row is None:
        raise NotFoundError(f"product {product_id} v{version} is not registered", field="product")
    product = _BY_KEY[key] = _parse(str(row[0]))
    return product


def list_products(db: Db) -> list[tuple[str, int, str]]:
    rows = db.all(
        "SELECT product_id, version, fingerprint FROM lending_products ORDER BY product_id, version"
    )
    return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]


def business_day(db: Db) -> int | None:
    row = db.one("SELECT business_day FROM lending_state WHERE k = 1")
    return None if row is None else int(row[0])


def business_date(db: Db) -> date:
    """The current business date; a ValidationError if it was never set."""
    day = business_day(db)
    if day is None:
        raise ValidationError(
            "the business date is not set: run `puhui lending start --date YYYY-MM-DD`",
            field="business_date",
        )
    return date.fromordinal(day)


def start_business_date(db: Db, on: date) -> date:
    """Set the first business date; once set, only COB moves it (a repeat is a no-op)."""
    if not isinstance(on, date):
        raise ValidationError("business date must be a date", field="business_date")
    current = business_day(db)
    if current is None:
        db.execute("INSERT INTO lending_state (k, business_day) VALUES (1, ?)", (on.toordinal(),))
        return on
    if current != on.toordinal():
        raise ConflictError(
            f"the business date is already {date.fromordinal(current)}; COB moves it",
            field="business_date",
        )
    return on
