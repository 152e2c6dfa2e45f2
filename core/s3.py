"""The private storage in an S3-protocol object store (AWS S3, MinIO, …): django-storages' S3Storage, held
private whatever its options say, plus what core/storage.py asks of an object store (streamed reads, pre-signed
downloads, a one-request listing, touching a file)."""

from datetime import UTC

from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from core.storage import Entry, content_disposition


class PrivateS3Storage(S3Storage):
    """Objects are written with no ACL (private: the bucket's owner only), every URL is signed, and a name that
    exists is never overwritten (a new name is chosen, as on the local disk)."""

    default_acl = None
    querystring_auth = True
    custom_domain = None
    file_overwrite = False
    # A file read through open() spills to a temporary file past 2 MB instead of growing in memory.
    max_memory_size = 2 * 1024 * 1024
    signature_version = "s3v4"

    def __init__(self, **options):
        self.public_endpoint_url = options.pop("public_endpoint_url", None)
        super().__init__(**options)
        self.default_acl, self.querystring_auth, self.custom_domain, self.file_overwrite = None, True, None, False
        self._signing_client = None

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def _name(self, key: str) -> str:
        location = self.location.strip("/")
        return key[len(location) + 1:] if location and key.startswith(location + "/") else key

    def open_stream(self, name: str):
        """(the object's body, a stream read as it arrives, and its size)."""
        client = self.connection.meta.client
        try:
            answer = client.get_object(Bucket=self.bucket_name, Key=self._key(name))
        except client.exceptions.NoSuchKey:
            raise FileNotFoundError(f"No stored file {name}") from None
        return answer["Body"], int(answer["ContentLength"])

    def touch(self, name: str) -> None:
        """The object copied onto itself: its time becomes now (its content and type stay)."""
        key = self._key(name)
        client = self.connection.meta.client
        head = client.head_object(Bucket=self.bucket_name, Key=key)
        client.copy_object(Bucket=self.bucket_name, Key=key, CopySource={"Bucket": self.bucket_name, "Key": key},
                           MetadataDirective="REPLACE", ContentType=head.get("ContentType") or "binary/octet-stream",
                           Metadata=head.get("Metadata") or {})

    def entries(self, prefix: str) -> list[Entry]:
        key_prefix = self._key(prefix).rstrip("/") + "/" if prefix else (self.location.strip("/") + "/"
                                                                         if self.location.strip("/") else "")
        paginator = self.connection.meta.client.get_paginator("list_objects_v2")
        found = []
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=key_prefix, Delimiter="/"):
            for item in page.get("Contents", ()):
                if item["Key"] != key_prefix:
                    found.append(Entry(self._name(item["Key"]), int(item["Size"]),
                                       item["LastModified"].astimezone(UTC)))
        return sorted(found, key=lambda entry: entry.name)

    def _signer(self):
        """The client whose URLs browsers open: the public endpoint when it differs (nothing is sent with it)."""
        if not self.public_endpoint_url or self.public_endpoint_url == self.endpoint_url:
            return self.connection.meta.client
        if self._signing_client is None:
            import boto3

            session = boto3.session.Session()
            self._signing_client = session.client(
                "s3", endpoint_url=self.public_endpoint_url, region_name=self.region_name,
                aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                aws_session_token=self.security_token, config=self.client_config)
        return self._signing_client

    def presigned_download_url(self, name: str, *, filename: str, content_type: str, seconds: int,
                               inline: bool = False) -> str:
        """A GET of the object signed for `seconds`, the store answering with this name, type and no caching."""
        params = {"Bucket": self.bucket_name, "Key": self._key(name),
                  "ResponseContentDisposition": content_disposition(filename, inline=inline),
                  "ResponseContentType": content_type, "ResponseCacheControl": "private, no-store"}
        return self._signer().generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
