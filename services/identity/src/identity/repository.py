"""All SQL of the identity service (subclasses of educert_common.repository.Repository)."""
