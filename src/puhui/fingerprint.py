"""Content fingerprints: the one way Puhui hashes data to version or identify it.

sha256 of canonical JSON (sorted keys, no spaces, UTF-8, Decimals and floats as normalised
decimal strings, dates in ISO 8601), so layout, comments and `0.030` vs `0.03` do not change it,
and any change of meaning does. Strategy and policy version ids, the decision audit's inputs
hash and product versions all use it. It imports nothing else of Puhui, so any layer may.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def canonical(data: Any) -> str:
    """The canonical JSON text that `fingerprint` hashes."""
    return json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(data: Any) -> str:
    """sha256 hex of `canonical(data)`."""
    return hashlib.sha256(canonical(data).encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return str(value)
