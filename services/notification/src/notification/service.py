"""Domain rules of the notification service; functions flush, the calling scope commits."""
