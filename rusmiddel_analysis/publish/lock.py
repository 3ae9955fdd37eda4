"""One `rusmiddel report` at a time per outputs folder.

Two runs writing one outputs folder at once (say `--lang da` and `--lang en`) would leave pages of
both. A run holds `<outputs>/.rusmiddel-report.lock` while it writes: the file is created
atomically (O_CREAT | O_EXCL) and says who holds it (pid, host, start time, command). A second
run refuses with one line naming the first. A lock left by a run that died (its pid no longer
alive on this host) is taken over, with a note; a lock from another host is never guessed dead.
The lock is removed when the run ends: success, failure or Ctrl-C. Within one process the lock
is re-entrant, so watch mode holds it across its rounds and each round's run passes through.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

from rusmiddel_analysis.publish.jobs import ReportError

LOCK_NAME = ".rusmiddel-report.lock"
_HELD: dict[Path, int] = {}  # lock files this process holds, with how many times it entered each
_GUARD = threading.Lock()


class OutputsBusy(ReportError):
    """Another run is writing to the same outputs folder."""


def _holder(path: Path) -> dict | None:
    """Who holds a lock file; None when it is gone or unreadable (a half-written one counts as stale)."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise  # gone: the caller tries again
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _alive(holder: dict) -> bool:
    """Whether the holder may still be running: always for another host, whose processes cannot be seen."""
    if holder.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(holder.get("pid", 0)), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process (or a pid beyond this machine's range is not ours to judge)
    except ValueError:
        return False
    return int(holder.get("pid", 0)) > 0


def _busy(path: Path, holder: dict) -> OutputsBusy:
    return OutputsBusy(
        f"another 'rusmiddel report' is writing to {path.parent}: pid {holder.get('pid')} on {holder.get('host')}, "
        f"started {holder.get('started')} ({holder.get('command')}); wait for it to finish, or remove {path} if that run is gone"
    )


def _create(path: Path, me: dict) -> bool:
    """Create the lock file holding `me`; False when one exists already."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(me, handle)
    return True


def acquire(outputs_dir: Path, command: str | None = None) -> tuple[dict, str | None]:
    """Take the outputs folder's lock: (what the lock file holds, a note when a stale lock was taken over)."""
    path = Path(outputs_dir) / LOCK_NAME
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": command or " ".join(["rusmiddel", *sys.argv[1:]]),
        "token": uuid.uuid4().hex,
    }
    note = None
    for _ in range(3):
        if _create(path, me):
            return me, note
        try:
            holder = _holder(path)
        except FileNotFoundError:
            continue  # released meanwhile: try again
        if holder is not None and _alive(holder):
            raise _busy(path, holder)
        if holder is None and _young(path):  # just created, its holder not yet written: a run starting now
            raise OutputsBusy(f"another 'rusmiddel report' is starting to write to {path.parent}; try again in a moment")
        who = f"pid {holder.get('pid')}, started {holder.get('started')}" if holder else "unreadable"
        note = f"note: took over the lock of a run that is no longer running ({who}) in {path.parent}"
        # the stale file is removed only if it is still the one read (a run taking it over at the same moment re-creates it)
        if _holder_or_none(path) == holder:
            path.unlink(missing_ok=True)
    raise OutputsBusy(f"could not take the lock {path}; another run keeps taking it")


def _young(path: Path, seconds: float = 10.0) -> bool:
    """Whether a lock file was written in the last `seconds` (a holder may still be writing its details)."""
    try:
        return time.time() - path.stat().st_mtime < seconds
    except FileNotFoundError:
        return False


def _holder_or_none(path: Path) -> dict | None:
    try:
        return _holder(path)
    except FileNotFoundError:
        return None


def release(outputs_dir: Path, me: dict) -> None:
    """Remove the lock file if it is still ours."""
    path = Path(outputs_dir) / LOCK_NAME
    if (_holder_or_none(path) or {}).get("token") == me["token"]:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def outputs_lock(outputs_dir: Path, command: str | None = None, notes=None):
    """Hold the outputs folder's lock for the `with` block; re-entrant within this process.
    `notes` (a callable; default: a line on standard error) receives the note when a stale lock was taken over."""
    key = (Path(outputs_dir) / LOCK_NAME).resolve()
    with _GUARD:
        if key in _HELD:
            _HELD[key] += 1
            me = None
        else:
            me, note = acquire(outputs_dir, command)
            _HELD[key] = 1
            if note:
                (notes or (lambda line: print(f"rusmiddel: {line}", file=sys.stderr)))(note)
    try:
        yield
    finally:
        with _GUARD:
            _HELD[key] -= 1
            if not _HELD[key]:
                del _HELD[key]
                if me is not None:
                    release(outputs_dir, me)
