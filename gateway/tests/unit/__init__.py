"""Gateway parts tested on their own."""
