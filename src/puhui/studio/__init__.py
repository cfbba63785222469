"""The creation platform (智能创作平台): marketing copy, posters and narrated videos that are
drafted, checked against the one compliance rulebook, reviewed and versioned in-house.

    facts = offer_facts()                                   # figures from the lending core
    draft = draft_copy(Brief(channel="poster", lang="zh"), facts)
    image = render(draft)                                   # studio.render: Pillow + QR code
    video = narrate(draft, workdir)                         # studio.narrate: espeak-ng + ffmpeg
"""

from puhui.studio.copy import Brief, Draft, draft_copy, expand, rewrite
from puhui.studio.facts import OfferFacts, offer_facts

__all__ = ["Brief", "Draft", "OfferFacts", "draft_copy", "expand", "offer_facts", "rewrite"]
