"""Revoked credentials: recorded and announced (identity.credentials.revoked) in the
transaction that revokes, and listed for processes catching up."""
