"""Typed domain errors of the identity service (subclasses of DomainError)."""
