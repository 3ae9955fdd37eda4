"""Files written safely and recognised by content: the one place for atomic writes and hashes.

A reader never sees half a file: everything is written next to its place and renamed into it.
The processed folder's manifest (`manifest.json`) records what was processed and is read here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

MANIFEST = "manifest.json"


def load_yaml(text: str):
    """YAML text as Python data, safely (no object construction), with libyaml's parser when present:
    about ten times faster than the pure-Python one, which every report kernel would otherwise pay."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """The file's SHA-256, or 'missing' when it does not exist."""
    return sha256_bytes(Path(path).read_bytes()) if Path(path).exists() else "missing"


# files a run publishes are readable by others, like any document on a shared drive (the folders that
# hold personal data are made private where they are made)
SHARED_FILE_MODE = 0o644


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write next to the target, then rename: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        os.chmod(tmp, SHARED_FILE_MODE)  # mkstemp makes 0600: a colleague on a shared drive could not open it
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_table_atomically(frame, path: Path, csv_sep: str = ",") -> None:
    """A table as CSV, Excel or Parquet (by the file's extension), written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, sep=csv_sep, index=False)
        elif path.suffix.lower() == ".xlsx":
            frame.to_excel(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
        os.chmod(tmp, SHARED_FILE_MODE)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def replace_dir_atomically(new_dir: Path, target: Path, keep: tuple[str, ...] = ("README.md",)) -> None:
    """Put `new_dir` in the place of `target` with two renames; files named in `keep` carry over."""
    for name in keep:
        if (target / name).exists() and not (new_dir / name).exists():
            shutil.copy2(target / name, new_dir / name)
    if not target.exists():
        os.replace(new_dir, target)
        return
    old = target.with_name(f".{target.name}-old-{os.getpid()}")
    os.replace(target, old)
    try:
        os.replace(new_dir, target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def has_manifest(processed_dir: Path) -> bool:
    return (Path(processed_dir) / MANIFEST).exists()


def read_manifest(processed_dir: Path) -> dict:
    return json.loads((Path(processed_dir) / MANIFEST).read_text(encoding="utf-8"))


def write_manifest(folder: Path, manifest: dict) -> None:
    (Path(folder) / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
