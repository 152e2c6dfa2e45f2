"""The request id through a request and into the Celery tasks it sends.

* `RequestIdMiddleware` takes X-Request-ID when it is valid (core.request_id.is_valid) or makes one, keeps it for
  the log records of the request (a context variable, read by onecua.logging_filters.RequestIdFilter), and returns
  it in the response's X-Request-ID. The id stays until `request_finished` (Django's own 4xx/5xx log line, written
  after the middleware, still carries it).
* A task published while an id is current carries it in a message header (`before_task_publish`); the worker makes
  it current while the task runs (`task_prerun` / `task_postrun`), so the task's log lines carry it, and so do the
  tasks it sends in turn. A task run eagerly (no broker) runs inside the request and keeps its id as it is.
"""

from core import request_id

_META_KEY = "HTTP_" + request_id.HEADER.upper().replace("-", "_")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get(_META_KEY, "")  # request.headers would copy every header first
        value = given if request_id.is_valid(given) else request_id.new()
        request.request_id = value
        request_id.activate(value)
        response = self.get_response(request)
        response[request_id.HEADER] = value
        return response


def request_done(**kwargs) -> None:
    request_id.clear()


def tag_published_task(headers=None, **kwargs) -> None:
    value = request_id.current()
    if value and isinstance(headers, dict):
        headers.setdefault(request_id.TASK_HEADER, value)


_TOKENS: dict[str, object] = {}


def _carried(task) -> str | None:
    req = getattr(task, "request", None)
    value = getattr(req, request_id.TASK_HEADER, None) or (getattr(req, "headers", None) or {}).get(
        request_id.TASK_HEADER)
    return value if request_id.is_valid_carried(value) else None


def enter_task(task_id=None, task=None, **kwargs) -> None:
    if task is None or getattr(task.request, "is_eager", False):
        return
    _TOKENS[task_id] = request_id.activate(_carried(task))


def leave_task(task_id=None, task=None, **kwargs) -> None:
    token = _TOKENS.pop(task_id, None)
    if token is not None:
        request_id.restore(token)
