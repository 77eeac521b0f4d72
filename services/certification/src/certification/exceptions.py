"""Typed domain errors of the certification service (subclasses of DomainError)."""
