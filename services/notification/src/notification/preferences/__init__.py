"""A user's choices about what reaches them (mute non-essential messages)."""
