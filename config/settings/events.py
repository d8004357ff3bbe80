"""Settings of the events app (filled by its issue)."""
