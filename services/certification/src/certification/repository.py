"""All SQL of the certification service (subclasses of educert_common.repository.Repository)."""
