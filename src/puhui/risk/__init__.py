"""Risk decisioning: PD models, pricing, limits, policy rules and strategies."""
