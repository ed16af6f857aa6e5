"""Benchmark scripts: run by hand, they print figures; pytest collects nothing here."""
