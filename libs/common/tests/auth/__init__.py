"""Access-token verification against a real identity process."""
