"""Shared fixtures of the creation platform's tests: the offer's figures and planted phrases."""

from __future__ import annotations

import pytest

from puhui.studio import OfferFacts, offer_facts

#: Phrases a marketer might slip into a brief; each breaks a rule on every marketing channel.
PLANTED = {"zh": "无抵押秒批，零利息", "en": "Guaranteed approval, zero interest"}
PLANTED_RULES = {"MKT-GUARANTEE", "MKT-FALSE-FREE-INTEREST"}


@pytest.fixture(scope="session")
def facts() -> OfferFacts:
    return offer_facts()
