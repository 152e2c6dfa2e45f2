"""Domain errors that no view handled become a page saying why, with the error's status (never a 500)."""

from django.shortcuts import render

from core.errors import DossierError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DossierError):
            return render(request, "domain_error.html", {"message": exception.message}, status=exception.status)
        return None
