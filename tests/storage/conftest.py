import pytest

from tests.storage import s3server


@pytest.fixture(scope="session")
def s3():
    server = s3server.start()
    yield server
    server.server.stop()


@pytest.fixture
def bucket(s3, settings):
    """A fresh bucket as the private storage (streamed downloads), for this test only."""
    name = s3.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_setting(name)}
    settings.PRIVATE_DOWNLOADS = {"MODE": "stream", "URL_SECONDS": 60}
    return name
