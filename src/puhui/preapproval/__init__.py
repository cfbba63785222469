"""Batch pre-approval: score and decide a whole population through the same strategy."""
