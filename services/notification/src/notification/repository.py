"""All SQL of the notification service (subclasses of educert_common.repository.Repository)."""
