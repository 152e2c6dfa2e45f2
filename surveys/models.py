"""Models of the surveys app (built in a later issue)."""
