"""Change proposals, triage and the yearly round (later issues build them here)."""
