from django.http import HttpResponse


def proposal_file(request):  # replaced by the filing view
    return HttpResponse(status=501)
