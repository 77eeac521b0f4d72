"""The certification service.

Certification applications from draft to certificate: materials, reviews, supplements,
decisions.
"""
