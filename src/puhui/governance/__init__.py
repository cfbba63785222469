"""Governance: the registry of models and strategies, and the append-only decision audit."""
