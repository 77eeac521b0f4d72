"""Send limits: per-destination slots for codes and the global daily SMS budget."""
