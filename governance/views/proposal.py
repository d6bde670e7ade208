from django.http import HttpResponse


def proposal_detail(request, pk):  # replaced by the detail view
    return HttpResponse(status=501)


def proposal_act(request, pk):
    return HttpResponse(status=501)


def proposal_merge(request, pk):
    return HttpResponse(status=501)


def proposal_redact(request, pk):
    return HttpResponse(status=501)


def proposal_assign(request, pk):
    return HttpResponse(status=501)
