"""Development stand-ins for the outside world: an SMTP sink and an SMS carrier.

`make run` starts both; the tests start them as real processes too. Neither is used in
production (the notification service then points at a real SMTP server and carrier).
"""
