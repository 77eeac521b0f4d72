"""The notification service.

SMS, e-mail and in-app messages driven by events.
"""
