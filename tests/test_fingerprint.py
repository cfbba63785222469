"""The one content fingerprint: sha256 of canonical JSON."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from puhui.fingerprint import canonical, fingerprint


def test_fingerprint_is_sha256_of_canonical_json() -> None:
    data = {"b": Decimal("0.030"), "a": [1, "两"]}
    expected = hashlib.sha256('{"a":[1,"两"],"b":"0.03"}'.encode()).hexdigest()
    assert fingerprint(data) == expected


def test_spelling_does_not_change_it_meaning_does() -> None:
    assert fingerprint({"x": Decimal("0.030"), "y": 0.5}) == fingerprint(
        {"y": Decimal("0.50"), "x": Decimal("0.03")}
    )
    assert fingerprint({"x": Decimal("0.03")}) != fingerprint({"x": Decimal("0.031")})
    assert canonical({"on": date(2026, 1, 15)}) == '{"on":"2026-01-15"}'
