"""The gateway in front of real services."""
