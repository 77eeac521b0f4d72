"""Domain rules of the payment service; functions flush, the calling scope commits."""
