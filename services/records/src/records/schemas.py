"""Request and response models of the records API."""
