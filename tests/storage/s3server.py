"""A real S3-protocol server on a loopback port for the tests: moto's standalone server (moto[server]), started
in this process on a free port. It must start: a test that needs it fails (never skips) when it cannot."""

import socket
import time
import uuid
from dataclasses import dataclass

import boto3
import requests
from botocore.config import Config

ACCESS_KEY, SECRET_KEY, REGION = "onecua-test", "onecua-test-secret", "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    endpoint: str
    server: object

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY,
                            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))

    def new_bucket(self) -> str:
        name = f"onecua-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def environment(self, bucket: str, **extra) -> dict:
        """The variables a process (gunicorn, a command) needs to use `bucket` as its private storage."""
        return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": self.endpoint, "S3_BUCKET": bucket,
                "S3_REGION": REGION, "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY,
                "S3_ADDRESSING_STYLE": "path", **extra}

    def storage_setting(self, bucket: str) -> dict:
        return {"BACKEND": "core.s3.PrivateS3Storage", "OPTIONS": {
            "bucket_name": bucket, "endpoint_url": self.endpoint, "region_name": REGION, "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY, "addressing_style": "path", "location": ""}}


def start() -> S3Server:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(endpoint + "/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"moto's S3 server did not answer on {endpoint}") from None
            time.sleep(0.1)
    return S3Server(endpoint, server)
