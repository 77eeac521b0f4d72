"""Orders: fees, creation, payment attempts at the providers, callbacks, expiry, proxy payment."""
