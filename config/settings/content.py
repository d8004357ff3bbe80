"""Settings of the content app (filled by its issue)."""
