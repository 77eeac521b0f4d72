"""A user's in-app inbox; every query is scoped to the caller."""
