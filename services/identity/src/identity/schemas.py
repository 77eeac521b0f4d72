"""Request and response models of the identity API."""
