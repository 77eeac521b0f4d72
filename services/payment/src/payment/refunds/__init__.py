"""Refunds: full or partial, by operators or events, submitted to the provider by a worker."""
