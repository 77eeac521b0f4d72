"""Routes: which template and channels each event type goes out through (data, not code)."""
