"""Models of the dossiers app (built in a later issue)."""
