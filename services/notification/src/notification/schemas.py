"""Request and response models of the notification API."""
