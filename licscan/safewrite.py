"""Write a file without ever writing through a symlink someone committed or planted.

Every file licscan writes (the lockfile, `-o FILE` reports, the Action's reports) goes through
`write_text`:

- the text goes to a fresh temporary file created exclusively (`tempfile.mkstemp`: O_EXCL,
  mode 0600, a random name) in the target's own folder, so no pre-existing `FILE.tmp` (or a
  symlink by that name) is ever opened;
- a target that is a symlink is refused, not followed and not silently replaced: a committed
  `licscan.lock -> ~/.bashrc` is an attack or a mistake, and either way the user should know;
- `os.replace` then renames the temporary file over the target; a rename replaces whatever
  entry is at the target name (even a symlink created in between), never what it points to;
- with `root` (the Action's workspace), a target whose real folder lies outside `root` is
  refused: a symlinked report folder cannot carry the write out of the workspace.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from licscan.errors import UsageError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _shown(path: Path) -> str:
    """Relative to the working directory when below it, as licscan.config.display_path."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else Path(relative).as_posix()


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def check_target(path: Path, root: Path | None = None) -> Path:
    """The folder the file will be written in, fully resolved; UsageError when the target is a
    symlink, is not a regular file, or (with `root`) lies outside `root`."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(f"cannot write {_shown(path)}: {exc.strerror or exc}") from exc
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise UsageError(f"refusing to write {_shown(path)}: it is a symbolic link",
                         hint="remove the link (licscan never writes through one)")
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise UsageError(f"refusing to write {_shown(path)}: it is not a regular file")
    folder = path.parent.resolve()
    if root is not None and not _inside(folder, root.resolve()):
        raise UsageError(f"refusing to write {_shown(path)}: it is outside {root}",
                         hint="a folder on the way is a symbolic link or the path leaves "
                              "the workspace")
    return folder


def make_folder(folder: Path, root: Path | None = None) -> None:
    """mkdir -p, refusing (with `root`) a folder whose real location leaves `root`, before
    and after creating it (a symlink on the way would carry the new folders elsewhere)."""
    if root is not None and not _inside(folder.resolve(), root.resolve()):
        raise UsageError(f"refusing to write into {_shown(folder)}: it is outside {root}",
                         hint="a folder on the way is a symbolic link or the path leaves "
                              "the workspace")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create {_shown(folder)}: {exc.strerror or exc}") from exc
    if root is not None and not _inside(folder.resolve(), root.resolve()):
        raise UsageError(f"refusing to write into {_shown(folder)}: it is outside {root}")


def write_text(path: str | os.PathLike[str], text: str, *, root: Path | None = None) -> None:
    """Atomically replace `path` with `text` (UTF-8). UsageError on any refusal or OS error."""
    target = Path(path)
    folder = check_target(target, root)
    data = text.encode("utf-8")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {_shown(target)}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        check_target(target, root)  # still not a link (a rename would replace it anyway)
        os.replace(tmp, folder / target.name)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"cannot write {_shown(target)}: {exc.strerror or exc}") from exc
        raise
