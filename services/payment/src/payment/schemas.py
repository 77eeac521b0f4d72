"""Request and response models of the payment API."""
