import pytest


@pytest.fixture(autouse=True)
def _lockout_on(settings):
    """The sign-in lockout as in production (the test settings turn it off for the rest of the suite); its
    attempts are database rows, rolled back after each test. The cache (rate limits, notices) starts empty."""
    from django.core.cache import cache

    settings.AXES_ENABLED = True
    cache.clear()
    yield
    cache.clear()
