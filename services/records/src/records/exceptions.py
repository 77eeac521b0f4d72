"""Typed domain errors of the records service (subclasses of DomainError)."""
