"""Deliveries: the queue the worker sends from, operators' search, resend and statistics."""
