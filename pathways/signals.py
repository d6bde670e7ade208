"""What pathways asks the apps built on it, so that it never needs to know them.

- `staff_home_tasks` is sent by the staff home page (`pathways.staff_views.home`) with `user` and
  `language`: each receiver returns a list of `StaffTask` (a line and a link) for what waits for
  that person elsewhere, such as votes left in the yearly round (governance answers). The page
  shows them all, so that nobody lands on a page with nothing to do and no way on.
- `version_published` is sent inside the publishing transaction, once per new published version,
  with `version`: a common `Version` (by `services.pathway_publish`, also when the yearly release
  publishes) or a partnership's local version. Receivers that must reach the outside world (feeds,
  webhooks) queue their work with `transaction.on_commit` or in an outbox row of the same
  transaction, so that nothing is sent for a version that was rolled back.
"""

from dataclasses import dataclass

from django.dispatch import Signal

staff_home_tasks = Signal()
version_published = Signal()


@dataclass(frozen=True)
class StaffTask:
    text: str  # "You have 3 votes left in the 2027 round."
    link_text: str
    url: str
