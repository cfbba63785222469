"""Exposure at default and expected loss of a credit line: pure arithmetic, no I/O.

    EAD = drawn balance + CCF x undrawn limit
    EL  = PD x LGD x EAD        = PD x LGD x drawn  +  PD x LGD x CCF x undrawn

The credit-conversion factor (CCF) is the share of today's undrawn limit expected to be drawn
by the time the customer defaults. It is strategy data (`[pricing] ccf`, next to the LGD); the
default is 10%, the CCF of the Basel III standardised approach for commitments the bank may
cancel unconditionally at any time without notice (BCBS, *Basel III: Finalising post-crisis
reforms*, December 2017, para. 84(4); the Basel Framework's CRE20.94), which China's
《商业银行资本管理办法》(国家金融监督管理总局令 2023 年第 4 号, in force 2024-01-01) adopts for
可随时无条件撤销的贷款承诺. Puhui's lines are such commitments: the daily refresh may lower or
freeze any line, and COB freezes a late payer's lines. So frozen or expired lines contribute
no undrawn exposure (nothing more can be drawn), and a loan already 90 days or more past due
(the Basel default definition, CRE36.69) counts with PD = 1.

Amounts are integer minor units in, exact `Decimal`s out (the caller rounds once, at the end).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: The default credit-conversion factor and where it comes from.
DEFAULT_CCF = Decimal("0.10")
CCF_SOURCE = (
    "Basel III standardised approach, unconditionally cancellable commitments: 10% "
    "(BCBS d424 para. 84(4), CRE20.94); 商业银行资本管理办法 (2023) 可随时无条件撤销的贷款承诺"
)
#: Days past due from which a loan is in default (Basel CRE36.69): it counts with PD = 1.
DEFAULT_DPD = 90


@dataclass(frozen=True)
class LineExposure:
    """One credit line's exposure and expected loss, in minor units of its currency."""

    pd: Decimal
    lgd: Decimal
    ccf: Decimal
    drawn: int  # principal outstanding on performing loans (< DEFAULT_DPD days past due)
    defaulted: int  # principal outstanding on loans DEFAULT_DPD+ days past due (PD = 1)
    undrawn: int  # limit still available to draw (0 when frozen, closed or expired)

    def __post_init__(self) -> None:
        for name in ("pd", "lgd", "ccf"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        for name in ("drawn", "defaulted", "undrawn"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    @property
    def ead_drawn(self) -> int:
        return self.drawn + self.defaulted

    @property
    def ead_undrawn(self) -> Decimal:
        return self.ccf * self.undrawn

    @property
    def ead(self) -> Decimal:
        return self.ead_drawn + self.ead_undrawn

    @property
    def el_drawn(self) -> Decimal:
        return self.lgd * (self.pd * self.drawn + self.defaulted)

    @property
    def el_undrawn(self) -> Decimal:
        return self.pd * self.lgd * self.ead_undrawn

    @property
    def el(self) -> Decimal:
        return self.el_drawn + self.el_undrawn


def undrawn_limit(limit: int, drawn: int, *, available: bool) -> int:
    """What can still be drawn: limit minus drawn, never negative; 0 if the line cannot draw."""
    return max(limit - drawn, 0) if available else 0
