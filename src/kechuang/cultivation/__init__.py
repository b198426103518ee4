"""Enterprise cultivation (梯度培育): tiers over time, transitions, the watch list, incubators.

Tiers are derived from the policy pack's rules (screened in DuckDB over the panel snapshot) and
from the certificates enterprises hold (each with a validity period); an enterprise can hold
several labels at once, and its tier is the highest rung of the ladder it holds.
"""
