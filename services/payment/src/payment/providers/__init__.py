"""Payment providers: one adapter per channel, speaking that provider's public protocol."""
