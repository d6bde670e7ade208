"""What governance tells, and asks, the apps built on it, so that it never needs to know them.

- `proposal_moved` is sent by `governance.proposals.services.proposal_transition` inside the move's
  transaction, once the proposal is saved and its audit entry written, with `proposal`, `action`
  (the transition's name) and `entry` (the `AuditEntry`). A receiver's writes belong to the move:
  they commit with it, and a receiver that raises takes the move back. (feedback tells its readers
  the outcome.)
- `proposal_submitters` is sent by the proposal page with `proposal_ids` (a proposal and those
  merged into it) to learn how many people sent them: each receiver returns a count and the page
  shows the sum. (feedback counts its readers' submissions.)
- `proposal_sources` is sent by the proposal page with `proposal` to learn what else the proposal
  came from: each receiver returns a list of `(text, url)` links, which the page shows under "Came
  from". (trafficlight links the yellow mark a local editor made the proposal of.)
"""

from django.dispatch import Signal

proposal_moved = Signal()
proposal_submitters = Signal()
proposal_sources = Signal()
