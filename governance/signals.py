"""What governance tells the apps built on it, so that it never needs to know them.

`proposal_moved` is sent by `governance.proposals.services.proposal_transition` inside the move's
transaction, once the proposal is saved and its audit entry written, with `proposal`, `action` (the
transition's name) and `entry` (the `AuditEntry`). A receiver's writes belong to the move: they commit
with it, and a receiver that raises takes the move back. (feedback tells its readers the outcome.)
"""

from django.dispatch import Signal

proposal_moved = Signal()
