from django.http import HttpResponse


def queue(request):  # replaced by the queue view
    return HttpResponse(status=501)


def queue_export(request):
    return HttpResponse(status=501)


def queue_bulk(request):
    return HttpResponse(status=501)
