from django.urls import path

from .views import filing, proposal, queue

app_name = "governance"

urlpatterns = [
    path("forslag/", queue.queue, name="queue"),
    path("forslag/eksport.csv", queue.queue_export, name="queue_export"),
    path("forslag/massehandling/", queue.queue_bulk, name="queue_bulk"),
    path("forslag/nytt/", filing.proposal_file, name="file"),
    path("forslag/<int:pk>/", proposal.proposal_detail, name="detail"),
    path("forslag/<int:pk>/handling/", proposal.proposal_act, name="act"),
    path("forslag/<int:pk>/slaa-sammen/", proposal.proposal_merge, name="merge"),
    path("forslag/<int:pk>/fjern-personopplysninger/", proposal.proposal_redact, name="redact"),
    path("forslag/<int:pk>/tildel/", proposal.proposal_assign, name="assign"),
]
