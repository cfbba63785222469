"""Strategies: the versioned bundle that decides, and champion/challenger routing between two.

A strategy is one TOML file: policy rules, a reference to the PD model (name, version, path),
pricing parameters, limit parameters and PD cut-offs. Its version id is its fingerprint, the
sha256 of the canonical JSON of its *resolved* content (defaults filled in, numbers normalised),
so comments and layout do not change it and any change of behaviour does. The audit log records
this id with every decision.

Champion/challenger: a customer's bucket is sha256(salt, 0x1F, customer id) -> first 8 bytes,
big-endian, mod 10,000. It is deterministic (the same customer always lands in the same arm for
a given salt), reproducible outside Python (PostgreSQL's `sha256()` gives the same bucket) and
uniform. Buckets below the challenger share (in basis points) go to the challenger; in shadow
mode the challenger is evaluated and logged there but the champion decides for everyone.
"""

from __future__ import annotations

import enum
import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pydantic
from pydantic import BaseModel, ConfigDict, model_validator

from puhui.errors import ValidationError
from puhui.fingerprint import fingerprint
from puhui.risk.exposure import DEFAULT_CCF
from puhui.risk.limits import LimitParams
from puhui.risk.policy import Policy, PolicyError, parse_policy
from puhui.risk.pricing import PricingParams
from puhui.risk.units import RATE_SCALE

BUCKETS = 10_000
M = TypeVar("M", bound=BaseModel)
DEFAULT_STRATEGY_PATH = Path(__file__).parent / "strategies" / "default.toml"


class StrategyError(ValidationError):
    """A strategy or experiment file that cannot be used; names the offending field."""

    code = "strategy_invalid"


class ModelRef(BaseModel):
    """Which PD model the strategy expects; the registry resolves it, we only name it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    version: str
    path: str = ""


class Cutoffs(BaseModel):
    """PD <= approve_max_pd approves, <= refer_max_pd refers, above declines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    approve_max_pd: Decimal = Decimal("0.08")
    refer_max_pd: Decimal = Decimal("0.15")

    @model_validator(mode="after")
    def _ordered(self) -> Cutoffs:
        if not 0 <= self.approve_max_pd <= self.refer_max_pd <= 1:
            raise ValueError("need 0 <= approve_max_pd <= refer_max_pd <= 1")
        for name in ("approve_max_pd", "refer_max_pd"):
            scaled = getattr(self, name) * RATE_SCALE
            if scaled != scaled.to_integral_value():
                raise ValueError(f"{name} must be a whole number of 1e-9")
        return self


@dataclass(frozen=True)
class Strategy:
    """Everything that decides, versioned by the hash of its content."""

    name: str
    label: str
    description: str
    model: ModelRef
    cutoffs: Cutoffs
    pricing: PricingParams
    limits: LimitParams
    policy: Policy
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fingerprint", fingerprint(self.to_data()))

    @property
    def version_id(self) -> str:
        """The id written to the audit log: `sha256:` and the first 16 hex digits."""
        return f"sha256:{self.fingerprint[:16]}"

    def to_data(self) -> dict[str, Any]:
        """The resolved content, the thing the fingerprint is taken of."""
        return {
            "strategy": {"name": self.name, "label": self.label, "description": self.description},
            "model": self.model.model_dump(),
            "cutoffs": self.cutoffs.model_dump(),
            # Without margin bands, and with the default CCF, a strategy resolves as it did
            # before they existed (so logged versions replay).
            "pricing": self.pricing.model_dump(
                exclude=(set() if self.pricing.margin_bands else {"margin_bands"})
                | (set() if self.pricing.ccf != DEFAULT_CCF else {"ccf"})
            ),
            "limits": self.limits.model_dump(),
            "policy": self.policy.to_data(),
        }


def load_strategy(path: str | Path | None = None) -> Strategy:
    """Read a strategy TOML file (the packaged default when `path` is None)."""
    source = Path(path) if path is not None else DEFAULT_STRATEGY_PATH
    return parse_strategy(_read_toml(source))


def parse_strategy(data: Mapping[str, Any]) -> Strategy:
    """Build a `Strategy` from plain data; errors name the section and field."""
    unknown = sorted(set(data) - {"strategy", "model", "cutoffs", "pricing", "limits", "policy"})
    if unknown:
        raise StrategyError(f"unknown section(s): {', '.join(unknown)}", field=unknown[0])
    head = data.get("strategy")
    if not isinstance(head, Mapping) or not isinstance(head.get("name"), str):
        raise StrategyError("[strategy] needs a name", field="strategy.name")
    if "policy" not in data or not isinstance(data["policy"], Mapping):
        raise StrategyError("a strategy needs a [policy] table", field="policy")
    model = _section(ModelRef, data, "model")
    cutoffs = _section(Cutoffs, data, "cutoffs")
    pricing = _section(PricingParams, data, "pricing")
    limits = _section(LimitParams, data, "limits")
    try:
        policy = parse_policy(data["policy"])
    except PolicyError as err:
        raise StrategyError(err.message, field=err.field) from None
    return Strategy(
        name=head["name"],
        label=str(head.get("label", "")),
        description=str(head.get("description", "")),
        model=model,
        cutoffs=cutoffs,
        pricing=pricing,
        limits=limits,
        policy=policy,
    )


def _section(cls: type[M], data: Mapping[str, Any], name: str) -> M:
    raw = data.get(name, {})
    if not isinstance(raw, Mapping):
        raise StrategyError(f"[{name}] must be a table", field=name)
    try:
        return cls.model_validate(dict(raw))
    except pydantic.ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in (name, *first["loc"]))
        raise StrategyError(f"{where}: {first['msg']}", field=where) from None


def _read_toml(source: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(source.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as err:
        raise StrategyError(f"cannot read {source}: {err.strerror}", field="path") from None
    except tomllib.TOMLDecodeError as err:
        raise StrategyError(f"{source} is not valid TOML: {err}", field="path") from None


# -- champion / challenger ------------------------------------------------------------------
class Arm(enum.StrEnum):
    CHAMPION = "champion"
    CHALLENGER = "challenger"


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who decides for one customer, and which strategy (if any) runs in the shadow."""

    bucket: int
    arm: Arm
    deciding: Strategy
    shadow: Strategy | None


@dataclass(frozen=True)
class Experiment:
    """A champion, an optional challenger, the share of buckets it gets, and shadow mode."""

    name: str
    salt: str
    champion: Strategy
    challenger: Strategy | None = None
    challenger_share: Decimal = Decimal(0)
    shadow: bool = False

    def __post_init__(self) -> None:
        share = self.challenger_share
        if not isinstance(share, Decimal) or not 0 <= share <= 1:
            raise StrategyError(
                "challenger_share must be between 0 and 1", field="challenger_share"
            )
        if share * BUCKETS != (share * BUCKETS).to_integral_value():
            raise StrategyError(
                "challenger_share must be a whole number of basis points", field="challenger_share"
            )
        if self.challenger is None and share:
            raise StrategyError("a challenger share needs a challenger", field="challenger")
        if not self.salt:
            raise StrategyError("salt must not be empty", field="salt")

    @property
    def challenger_buckets(self) -> int:
        return int(self.challenger_share * BUCKETS)

    def bucket(self, customer_id: str) -> int:
        return bucket(self.salt, customer_id)

    def assign(self, customer_id: str) -> Assignment:
        """The arm of one customer: challenger if its bucket is below the challenger share."""
        b = bucket(self.salt, customer_id)
        in_slice = self.challenger is not None and b < self.challenger_buckets
        if not in_slice or self.challenger is None:
            return Assignment(b, Arm.CHAMPION, self.champion, None)
        if self.shadow:
            return Assignment(b, Arm.CHAMPION, self.champion, self.challenger)
        return Assignment(b, Arm.CHALLENGER, self.challenger, None)

    def in_challenger_slice(self, customer_ids: Iterable[str]) -> npt.NDArray[np.bool_]:
        """Vectorised: whether each customer's bucket is in the challenger slice."""
        return buckets(self.salt, customer_ids) < self.challenger_buckets


def bucket(salt: str, customer_id: str) -> int:
    """The customer's bucket in 0..9999: sha256(salt 0x1F id), first 8 bytes, mod 10,000."""
    if not isinstance(customer_id, str) or not customer_id:
        raise StrategyError("customer_id must be a non-empty string", field="customer_id")
    digest = hashlib.sha256(f"{salt}\x1f{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def buckets(salt: str, customer_ids: Iterable[str]) -> npt.NDArray[np.int64]:
    """`bucket` for many customers (about a million a second on one core)."""
    prefix = f"{salt}\x1f".encode()
    sha256, from_bytes = hashlib.sha256, int.from_bytes
    out: list[int] = []
    for cid in customer_ids:
        if not isinstance(cid, str) or not cid:
            raise StrategyError("customer_id must be a non-empty string", field="customer_id")
        out.append(from_bytes(sha256(prefix + cid.encode()).digest()[:8], "big") % BUCKETS)
    return np.asarray(out, dtype=np.int64)


def load_experiment(path: str | Path) -> Experiment:
    """Read an `[experiment]` TOML file; strategy paths are relative to that file."""
    source = Path(path)
    data = _read_toml(source).get("experiment")
    if not isinstance(data, Mapping):
        raise StrategyError(f"{source} has no [experiment] table", field="experiment")
    unknown = sorted(
        set(data) - {"name", "salt", "champion", "challenger", "challenger_share", "shadow"}
    )
    if unknown:
        raise StrategyError(f"experiment: unknown key(s) {', '.join(unknown)}", field=unknown[0])
    if not isinstance(data.get("champion"), str):
        raise StrategyError("experiment.champion must name a strategy file", field="champion")
    champion = load_strategy(source.parent / data["champion"])
    challenger = (
        load_strategy(source.parent / data["challenger"]) if data.get("challenger") else None
    )
    share = data.get("challenger_share", Decimal(0))
    name = str(data.get("name", source.stem))
    return Experiment(
        name=name,
        salt=str(data.get("salt", name)),
        champion=champion,
        challenger=challenger,
        challenger_share=Decimal(share) if isinstance(share, int) else share,
        shadow=bool(data.get("shadow", False)),
    )
