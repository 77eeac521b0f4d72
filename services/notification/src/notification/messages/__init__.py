"""Intake: one event becomes a message and its deliveries, in the consumer's transaction."""
