"""The records service.

Institutions, student-status, qualification and degree records, corrections, photos,
verification reports.
"""
