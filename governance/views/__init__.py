"""Staff pages for change proposals: the triage queue (queue.py), one proposal (proposal.py), and
filing a structured proposal (filing.py)."""
