"""Message templates: stored text, the bounded sandbox that renders it, where secrets may go."""
