"""Receipts: one PDF per paid order, with a verification code and QR, and their public check."""
