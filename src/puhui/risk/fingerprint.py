"""Content fingerprints: the version id of a policy or strategy is the hash of what it says.

sha256 of canonical JSON (sorted keys, no spaces, UTF-8, Decimals and floats as normalised
decimal strings), so layout, comments and `0.030` vs `0.03` do not change it, and any change of
behaviour does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def fingerprint(data: Any) -> str:
    """sha256 hex of canonical JSON: sorted keys, no spaces, UTF-8, Decimals normalised."""
    text = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value
