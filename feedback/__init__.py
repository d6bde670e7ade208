"""Reader feedback through the link on every section (the next issue builds it here)."""
