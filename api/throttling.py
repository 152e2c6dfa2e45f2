"""Rate limits: per client (its own limit, or ONECUA["API_REQUESTS_PER_MINUTE"]) on every call it makes with its
token; per client address (ONECUA["API_ANONYMOUS_REQUESTS_PER_MINUTE"]) on the public endpoints called without
one. Counted in the cache (shared between web processes with CACHE_URL); a refusal is a 429 problem with
Retry-After."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.ratelimit import client_ip
from api.oauth import request_client


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api"

    def __init__(self):
        # The rate depends on the client: it is set per request in allow_request.
        pass

    def allow_request(self, request, view):
        client = request_client(request)
        if client is not None:
            per_minute = client.requests_per_minute or settings.ONECUA["API_REQUESTS_PER_MINUTE"]
            self.key = f"api-throttle:client:{client.pk}"
        else:
            per_minute = settings.ONECUA["API_ANONYMOUS_REQUESTS_PER_MINUTE"]
            self.key = f"api-throttle:ip:{client_ip(request._request) or 'unknown'}"
        self.rate = f"{per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if not self.num_requests:
            return True
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def get_cache_key(self, request, view):  # pragma: no cover - allow_request sets the key itself
        return self.key
