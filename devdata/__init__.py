"""Tooling apart from the product: demo data, synthetic national data, the bench and test support.

The product never imports this package; only its commands, the test suite and (where
BENCH_REFERENCE_PAGE is on) the bench's reference page use it.
"""
