"""Reproducible benchmarks that print ratios measured in one run."""
