"""Settings of the api app (filled by its issue)."""
