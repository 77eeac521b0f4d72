"""Domain rules of the certification service; functions flush, the calling scope commits."""
