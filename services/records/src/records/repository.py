"""All SQL of the records service (subclasses of educert_common.repository.Repository)."""
