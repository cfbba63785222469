"""The impossible triangle: simulate a strategy month by month, optimise it, see the frontier.

`simulate` books a population's behaviour through the real lending engine (small runs) or
through its vectorised twin (large runs); `optimise` searches a strategy's parameters with
optuna; `frontier` keeps the non-dominated candidates. See docs/portfolio.md.
"""
