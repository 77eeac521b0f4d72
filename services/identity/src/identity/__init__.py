"""The identity service.

Real-name accounts, verification, login and tokens, partner API keys.
"""
