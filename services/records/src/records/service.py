"""Domain rules of the records service; functions flush, the calling scope commits."""
