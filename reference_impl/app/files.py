"""The app's own files written whole: a key and its certificate, an exported bundle, the
agreement journal.

`write_whole(files, mode)` writes every `(path, data)` to `<name>.nieuw` beside it first
(flushed to disk, with `mode`), and only then renames each over its path: an interruption
or a failure leaves the old files or the new ones, never half of one, and never a new file
beside an old partner (a new certificate with an old key, a new .json with an old .md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class WriteFailed(Exception):
    """`path` could not be written (`cause`); no temporary file is left behind."""

    def __init__(self, path: Path, cause: OSError) -> None:
        super().__init__(f"{path}: {cause}")
        self.path = path
        self.cause = cause


def write_whole(files: Sequence[tuple[Path, bytes]], mode: int) -> None:
    """Write every `(path, data)` with `mode`, all or (as far as renames go) nothing."""
    written: list[tuple[Path, Path]] = []
    current = files[0][0]
    try:
        for path, data in files:
            current = path
            if path.is_dir():  # found now, before any partner has been replaced
                raise IsADirectoryError(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".nieuw")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            written.append((temporary, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, mode)  # O_CREAT's mode yields to a umask
        for temporary, path in written:
            current = path
            os.replace(temporary, path)
    except OSError as exc:
        for temporary, _path in written:
            temporary.unlink(missing_ok=True)
        raise WriteFailed(current, exc) from exc
