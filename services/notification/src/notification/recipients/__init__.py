"""How to reach a user: contacts identity announced, and how events address them."""
