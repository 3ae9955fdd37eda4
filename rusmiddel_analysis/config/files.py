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

from rusmiddel_analysis.config.echo import printable

MANIFEST = "manifest.json"


# A YAML file holds at most this many values, each alias counted as a copy of what it refers to:
# an alias bomb ("billion laughs": lists of aliases to lists of aliases) is refused before it grows
MAX_YAML_NODES = 100_000


def load_yaml(text: str):
    """YAML text as Python data, safely (no object construction), with libyaml's parser when present:
    about ten times faster than the pure-Python one, which every report kernel would otherwise pay.

    Bounded: the document is composed first (aliases stay shared nodes, so this is small), its size
    with every alias expanded is counted up to MAX_YAML_NODES, and only then is it built. An alias
    bomb or an alias that contains itself raises a yaml.MarkedYAMLError with its line, at once."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text:  # without a '*' there is no alias, and the document is no larger than its text
            _check_expanded_size(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_expanded_size(root) -> None:
    """Walk the composed document as if every alias were expanded; stop at MAX_YAML_NODES values or
    at an alias inside what it refers to. The line reported is the first alias use on the way."""
    import yaml

    seen, on_path, count = set(), set(), 0
    stack = [(root, False, None, None)]  # node, leaving, the first alias use above it, this node's use
    while stack:
        node, leaving, origin, use = stack.pop()
        if leaving:
            on_path.discard(id(node))
            continue
        if id(node) in on_path:
            raise _yaml_limit("an alias refers to a collection that contains it", use or node.start_mark)
        if origin is None and id(node) in seen:
            origin = use  # a node met again: an alias, the line where it is used
        seen.add(id(node))
        count += 1
        if count > MAX_YAML_NODES:
            raise _yaml_limit(f"more than {MAX_YAML_NODES:,} values once its aliases are expanded (an alias bomb?)", origin or node.start_mark)
        if isinstance(node, yaml.SequenceNode):
            children = [(child, node.start_mark) for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            children = [(child, key.start_mark) for key, value in node.value for child in (key, value)]
        else:
            continue
        on_path.add(id(node))
        stack.append((node, True, None, None))
        stack.extend((child, False, origin, mark) for child, mark in reversed(children))


class YamlFileError(ValueError):
    """A file that is not valid YAML (or not UTF-8, or an alias bomb): its path, line and problem, one line."""

    def __init__(self, path, problem: str, line: int | None = None):
        self.path, self.problem, self.line = str(path), problem, line
        at = f", line {line}" if line else ""
        super().__init__(printable(f"{path}{at}: not valid YAML: {problem}"))


def read_yaml(path: Path) -> tuple:
    """A YAML file of the project (a strategy file, mapping.yaml) as (data, its text), loaded with
    `load_yaml`. Every problem of the file is one YamlFileError naming the file and the line."""
    import yaml

    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlFileError(path, "not UTF-8 text; save the file as UTF-8", data[: exc.start].count(b"\n") + 1) from None
    try:
        return load_yaml(text), text
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            raise YamlFileError(path, getattr(exc, "problem", None) or exc.__class__.__name__, mark.line + 1) from None
        position = getattr(exc, "position", None)  # a character YAML does not allow (yaml.reader.ReaderError)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else None
        raise YamlFileError(path, getattr(exc, "reason", None) or exc.__class__.__name__, line) from None


def _yaml_limit(problem: str, mark):
    import yaml

    return yaml.MarkedYAMLError(problem=problem, problem_mark=mark)


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
