"""Domain rules of the identity service; functions flush, the calling scope commits."""
