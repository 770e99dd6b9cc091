from django.http import HttpRequest, HttpResponse


def roster_upload(request: HttpRequest, code: str) -> HttpResponse:
    raise NotImplementedError


roster_preview = roster_commit = roster_export = roster_upload


def roster_template(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
