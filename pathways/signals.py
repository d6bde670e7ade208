"""What pathways asks the apps built on it, so that it never needs to know them.

- `staff_home_tasks` is sent by the staff home page (`pathways.staff_views.home`) with `user` and
  `language`: each receiver returns a list of `StaffTask` (a line and a link) for what waits for
  that person elsewhere, such as votes left in the yearly round (governance answers). The page
  shows them all, so that nobody lands on a page with nothing to do and no way on.
"""

from dataclasses import dataclass

from django.dispatch import Signal

staff_home_tasks = Signal()


@dataclass(frozen=True)
class StaffTask:
    text: str  # "You have 3 votes left in the 2027 round."
    link_text: str
    url: str
