"""Copy the private files of a local folder (PRIVATE_STORAGE_ROOT by default) into the configured private storage
(the bucket, STORAGE_BACKEND=s3) under the same names, and verify each copy by its SHA-256.

Idempotent: a file already stored with the same content is left as it is; one stored with other content is
reported as a mismatch and never overwritten. Any mismatch makes the command exit with status 1. The local files
are not deleted (remove them once the bucket serves every node)."""

from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from core.storage import is_object_store, sha256_file, sha256_of


class Command(BaseCommand):
    help = ("Chép các tệp riêng tư từ thư mục trên đĩa sang kho lưu trữ đối tượng (S3) đã cấu hình và kiểm tra "
            "mã SHA-256 của từng tệp.")

    def add_arguments(self, parser):
        parser.add_argument("--source", default=None,
                            help="the local folder to copy from (default: PRIVATE_STORAGE_ROOT)")
        parser.add_argument("--dry-run", action="store_true",
                            help="say what would be copied and check what is there already; write nothing")

    def handle(self, *args, source=None, dry_run=False, **options):
        root = Path(source or settings.PRIVATE_STORAGE_ROOT).resolve()
        if not root.is_dir():
            raise CommandError(f"{root} is not a folder: nothing to copy.")
        target = default_storage
        if not is_object_store(target) and Path(getattr(target, "location", "")).resolve() == root:
            raise CommandError(f"The private storage is {root} itself: set STORAGE_BACKEND=s3 (S3_BUCKET, "
                               "S3_ENDPOINT_URL, …) to copy these files into the bucket.")
        counts = {"copied": 0, "present": 0, "to_copy": 0}
        mismatches: list[str] = []
        files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        for path in files:
            name = path.relative_to(root).as_posix()
            local = sha256_file(path)
            if target.exists(name):
                if sha256_of(target, name) == local:
                    counts["present"] += 1
                else:
                    mismatches.append(f"{name}: stored with other content (not overwritten)")
                continue
            if dry_run:
                counts["to_copy"] += 1
                self.stdout.write(f"to copy: {name}")
                continue
            with path.open("rb") as handle:
                saved = target.save(name, File(handle, name=path.name))
            if saved != name:
                mismatches.append(f"{name}: stored as {saved} (a file of that name appeared meanwhile)")
            elif sha256_of(target, saved) != local:
                mismatches.append(f"{name}: the stored copy's SHA-256 differs from the file's")
            else:
                counts["copied"] += 1
        summary = (f"{len(files)} files under {root}: {counts['copied']} copied and verified, {counts['present']} "
                   f"already stored with the same SHA-256")
        if dry_run:
            summary += f", {counts['to_copy']} to copy (dry run: nothing written)"
        self.stdout.write(summary + f", {len(mismatches)} mismatches.")
        for line in mismatches:
            self.stderr.write(f"MISMATCH {line}")
        if mismatches:
            raise CommandError(f"{len(mismatches)} files differ between {root} and the storage (listed above).")
