"""Typed domain errors of the notification service (subclasses of DomainError)."""
