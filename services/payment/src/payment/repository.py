"""All SQL of the payment service (subclasses of educert_common.repository.Repository)."""
