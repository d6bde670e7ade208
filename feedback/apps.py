from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Reader feedback")

    def ready(self) -> None:
        # The reader hears what became of their feedback: governance tells of each move of a
        # proposal, inside the move's transaction, without knowing who listens.
        from governance.signals import proposal_moved, proposal_submitters

        from .outcomes import proposal_outcome_notify
        from .services import submissions_count

        proposal_moved.connect(proposal_outcome_notify, dispatch_uid="feedback.outcomes")
        # The proposal page asks how many readers sent a proposal: the submissions are ours.
        proposal_submitters.connect(submissions_count, dispatch_uid="feedback.submissions_count")
        # The staff home page links to the counts of "Was this page useful?".
        from pathways.signals import staff_home_tasks

        from .useful import useful_home_tasks

        staff_home_tasks.connect(useful_home_tasks, dispatch_uid="feedback.useful_home_tasks")
