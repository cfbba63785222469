"""Benchmarks: `make bench` (python -m bench) prints figures with machine info."""
