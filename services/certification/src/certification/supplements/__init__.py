"""Supplementary materials: a reviewer's request (items in three modes) and the applicant's
answers, ending in a resubmission."""
