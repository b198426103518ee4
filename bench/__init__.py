"""Benchmarks: whole-process time and peak memory of real commands, with their baselines."""
