"""Backups: the database (pg_dump's custom format; a SQLite file in the embedded default) and every object of the
private storage (settings.STORAGES["default"]: the local folder or the bucket), with a SHA-256 manifest; restore
into an EMPTY database and an EMPTY storage, checking every checksum before and after. docs/operations.md says
when and how to run them (`make backup`, `make restore BACKUP=…`).

A backup is a directory:

    manifest.json    what is in it: the database file and each object (name, size, SHA-256)
    SHA256SUMS       the same checksums, for `sha256sum -c SHA256SUMS` without Python
    database.dump    pg_dump --format=custom (PostgreSQL), or database.sqlite3 (SQLite)
    objects/<name>   each stored object, under its storage name

The database is dumped first, then the objects are copied: an object written meanwhile may be in the backup
without a row naming it (harmless), never the other way round for files saved before their rows commit.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connections

from core.storage import open_stream, sha256_file, sha256_of
from ops.health import PROBE_PREFIX

FORMAT = 1
CHUNK = 1024 * 1024
MANIFEST, SUMS, OBJECTS = "manifest.json", "SHA256SUMS", "objects"


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why (nothing was changed when refused)."""


@dataclass(frozen=True)
class Result:
    directory: Path
    database_file: str
    objects: int
    bytes: int


def _engine(alias: str = "default") -> str:
    engine = connections[alias].settings_dict["ENGINE"]
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def _pg_args(alias: str = "default") -> tuple[list[str], dict]:
    params = connections[alias].settings_dict
    args = []
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", str(params["USER"])]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not name or name != str(path):
        raise BackupError(f"Unsafe object name in the storage or the manifest: {name!r}")
    return name


def storage_names(storage=None) -> list[str]:
    """Every object of the storage (the bucket's listing, or the folder walked), readiness probes left out."""
    storage = storage or default_storage
    if hasattr(storage, "all_names"):
        names = list(storage.all_names())
    else:
        names = []
        pending = [""]
        while pending:
            folder = pending.pop()
            try:
                dirs, files = storage.listdir(folder)
            except FileNotFoundError:
                continue
            names += [f"{folder}/{name}" if folder else name for name in files]
            pending += [f"{folder}/{name}" if folder else name for name in dirs]
    return sorted(name for name in names if not name.startswith(f"{PROBE_PREFIX}/"))


def _copy_out(storage, name: str, target: Path) -> tuple[int, str]:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle, _size = open_stream(storage, name)
    try:
        with target.open("wb") as out:
            for block in iter(lambda: handle.read(CHUNK), b""):
                digest.update(block)
                size += len(block)
                out.write(block)
    finally:
        handle.close()
    return size, digest.hexdigest()


def create(directory: Path, *, storage=None) -> Result:
    storage = storage or default_storage
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: a backup goes into a new directory.")
    directory.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    if engine == "postgresql":
        database_file = "database.dump"
        args, env = _pg_args()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
              "--file", str(directory / database_file), str(connections["default"].settings_dict["NAME"])], env)
    else:
        database_file = "database.sqlite3"
        source = connections["default"].settings_dict["NAME"]
        with sqlite3.connect(source) as src, sqlite3.connect(directory / database_file) as dst:
            src.backup(dst)
    objects, total = [], 0
    for name in storage_names(storage):
        size, sha = _copy_out(storage, _safe_name(name), directory / OBJECTS / name)
        objects.append({"name": name, "size": size, "sha256": sha})
        total += size
    database = {"engine": engine, "file": database_file, "size": (directory / database_file).stat().st_size,
                "sha256": sha256_file(directory / database_file)}
    manifest = {"format": FORMAT, "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": database, "objects": objects}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [f"{database['sha256']}  {database_file}"]
    lines += [f"{item['sha256']}  {OBJECTS}/{item['name']}" for item in objects]
    (directory / SUMS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Result(directory, database_file, len(objects), total)


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"No readable {MANIFEST} in {directory}: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown format {manifest.get('format')!r}")
    return manifest


def verify_files(directory: Path) -> dict:
    """The manifest, once every file of the backup matches its size and SHA-256 (BackupError naming those that
    do not)."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    wanted = [(manifest["database"]["file"], manifest["database"])]
    wanted += [(f"{OBJECTS}/{_safe_name(item['name'])}", item) for item in manifest["objects"]]
    bad = []
    for relative, item in wanted:
        path = directory / relative
        if not path.is_file():
            bad.append(f"{relative}: missing")
        elif path.stat().st_size != item["size"] or sha256_file(path) != item["sha256"]:
            bad.append(f"{relative}: checksum differs")
    if bad:
        raise BackupError("The backup is damaged: " + "; ".join(bad[:20]))
    return manifest


def compare_storage(manifest: dict, *, storage=None) -> list[str]:
    """The differences between the storage and the manifest (missing, different, extra objects): the file-checksum
    pass after a restore. Empty: identical."""
    storage = storage or default_storage
    expected = {item["name"]: item["sha256"] for item in manifest["objects"]}
    present = set(storage_names(storage))
    problems = [f"missing: {name}" for name in sorted(set(expected) - present)]
    problems += [f"not in the backup: {name}" for name in sorted(present - set(expected))]
    for name in sorted(set(expected) & present):
        if sha256_of(storage, name) != expected[name]:
            problems.append(f"checksum differs: {name}")
    return problems


def _database_is_empty() -> bool:
    connection = connections["default"]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore(directory: Path, *, storage=None) -> Result:
    """Into the configured database and storage, both empty (refused otherwise, nothing changed)."""
    storage = storage or default_storage
    directory = Path(directory)
    manifest = verify_files(directory)
    engine = _engine()
    if manifest["database"]["engine"] != engine:
        raise BackupError(f"The backup holds a {manifest['database']['engine']} database; this site uses {engine}.")
    if not _database_is_empty():
        raise BackupError("The database is not empty: restore into a new, empty database.")
    if storage_names(storage):
        raise BackupError("The storage is not empty: restore into a new, empty folder or bucket.")
    dump = directory / manifest["database"]["file"]
    if engine == "postgresql":
        args, env = _pg_args()
        connections["default"].close()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", *args,
              "--dbname", str(connections["default"].settings_dict["NAME"]), str(dump)], env)
    else:
        connections["default"].close()
        target = connections["default"].settings_dict["NAME"]
        shutil.copyfile(dump, target)
    total = 0
    for item in manifest["objects"]:
        name = _safe_name(item["name"])
        with (directory / OBJECTS / name).open("rb") as handle:
            saved = storage.save(name, File(handle, name=name))
        if saved != name:
            raise BackupError(f"The storage saved {name} as {saved}.")
        total += item["size"]
    problems = compare_storage(manifest, storage=storage)
    if problems:
        raise BackupError("After the restore the storage differs from the backup: " + "; ".join(problems[:20]))
    return Result(directory, manifest["database"]["file"], len(manifest["objects"]), total)
