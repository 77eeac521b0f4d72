"""What every sub-package needs to know about routes."""

# Codes and security notices reach people whatever they muted, whatever an operator sets.
ALWAYS_ESSENTIAL = frozenset(
    {"identity.verification_code.issued", "identity.activation_link.issued"}
)
