"""Typed domain errors of the payment service (subclasses of DomainError)."""
