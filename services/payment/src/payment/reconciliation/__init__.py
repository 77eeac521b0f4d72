"""Reconciliation: the day's provider statement against the orders; mismatches for operators."""
