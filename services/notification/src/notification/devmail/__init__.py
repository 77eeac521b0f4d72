"""Mail captured by the development SMTP sink (development and test only)."""
