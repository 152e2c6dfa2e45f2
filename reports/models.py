"""Models of the reports app (built in a later issue)."""
