"""Request and response models of the certification API."""
