"""The only module that touches the file system.

Everything else in :mod:`visitering` works on text, bytes and validated objects; this module
reads files (user inputs and the embedded dataset) and writes exports.  Exports are written
atomically: each file is first written in full to a temporary file in the target directory,
flushed to disk, and then renamed over its final name, so a reader never sees a half-written
file.  Callers render every file of a batch *before* calling :func:`write_files_atomically`, so
bad input never leaves partial output.

One writer is not here: Numba caches the compiled knapsack kernel of
:mod:`visitering.assignment.knapsacks` in ``__pycache__`` beside it (a build cache, written by
Numba, never read as data).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from visitering.errors import InputError, Problem

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The embedded dataset: ``visitering/_data`` in a wheel, ``data/`` in a source checkout."""
    packaged = _PACKAGE_DIR / "_data"
    return packaged if packaged.is_dir() else _PACKAGE_DIR.parent / "data"


def read_embedded(name: str) -> bytes:
    """The bytes of one file of the embedded dataset."""
    return (data_dir() / name).read_bytes()


def read_input(path: Path) -> bytes:
    """The bytes of a user-supplied file, or an :class:`InputError` naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem("file not found", str(path))) from None
    except IsADirectoryError:
        raise InputError(Problem("is a directory, not a file", str(path))) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot read file ({exc.strerror})", str(path))) from None


def check_output_directory(path: Path) -> None:
    """Refuse, before any work is done, an output directory that cannot be written.

    ``path`` need not exist yet; its nearest existing ancestor (or itself) must be a writable
    directory.  Commands that record something (the ledger) call this first, so that a bad
    ``--out`` fails before the record, not after it.
    """
    missing: list[str] = []  # the names that the export will create, innermost first
    for candidate in (path, *path.parents):
        try:
            is_dir = candidate.is_dir()
            exists = is_dir or candidate.exists()
        except OSError as exc:  # e.g. a name too long for the file system
            raise InputError(
                Problem(f"cannot be an output directory ({exc.strerror})", str(path))
            ) from None
        if not exists:
            if candidate.is_symlink():
                raise InputError(Problem("is a link to a path that does not exist", str(candidate)))
            missing.append(candidate.name)
            continue
        if not is_dir:
            raise InputError(Problem("is a file, not a directory", str(candidate)))
        if not os.access(candidate, os.W_OK | os.X_OK):
            raise InputError(Problem("cannot write there (permission denied)", str(candidate)))
        longest = os.pathconf(candidate, "PC_NAME_MAX")
        if any(len(os.fsencode(name)) > longest for name in missing):
            raise InputError(
                Problem(f"a name in it is longer than {longest} bytes, the most allowed", str(path))
            )
        return


def check_output_file(path: Path) -> None:
    """Refuse, before any work is done, an output file that cannot be written: a directory
    in its place, or a directory it cannot be written to (:func:`check_output_directory`)."""
    try:
        is_dir = path.is_dir()
    except OSError as exc:
        raise InputError(Problem(f"cannot be an output file ({exc.strerror})", str(path))) from None
    if is_dir:
        raise InputError(Problem("is a directory; give a file name to write", str(path)))
    check_output_directory(path.parent)


def is_file(path: Path) -> bool:
    """Whether ``path`` is an existing file (the CLI asks before it reads a result folder)."""
    return path.is_file()


def is_dir(path: Path) -> bool:
    """Whether ``path`` is an existing directory."""
    return path.is_dir()


def leftover_files(directory: Path, names: Iterable[str]) -> list[str]:
    """Visible files in ``directory`` other than ``names`` (none if it does not exist)."""
    if not directory.is_dir():
        return []
    keep = set(names)
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name not in keep
    )


def read_scenario_text(path: Path) -> str:
    """The text of a scenario (TOML) file: UTF-8, with or without the BOM Notepad writes."""
    try:
        return read_input(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem("a scenario file must be UTF-8 text", str(path))) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_files_atomically(directory: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write every file of ``files`` (name → content) into ``directory``, each atomically.

    All temporary files are written and flushed first; only when every one succeeded are they
    renamed into place.  On any failure the temporary files are removed and nothing is left.

    Returns
    -------
    list of Path
        The final paths, in the order given.
    """
    return write_paths_atomically({directory / name: content for name, content in files.items()})


def write_paths_atomically(
    files: Mapping[Path, bytes] | Sequence[tuple[Path, bytes]],
) -> list[Path]:
    """Write every file of ``files`` (path → content), possibly in several directories.

    As :func:`write_files_atomically`: every temporary file (each beside its final path) is
    written and flushed before the first is renamed into place, so a failure while writing
    leaves none of them, nor a directory it created.  Given as pairs, two outputs that name
    one path are refused (a mapping would have kept only the last).

    Returns
    -------
    list of Path
        The final paths, in the order given.
    """
    # A directory where a file should go would fail only at its rename, after the files before
    # it were in place: refused before anything is written.
    pairs = list(files.items()) if isinstance(files, Mapping) else list(files)
    paths = [path for path, _ in pairs]
    blocked = [
        Problem("is a directory; an export cannot replace it", str(path))
        for path in paths
        if path.is_dir()
    ]
    # Two outputs given one path (e.g. --out and --report): the second would replace the
    # first, and the command would report both written.
    seen: dict[Path, Path] = {}
    for path in paths:
        same = seen.setdefault(path.resolve(), path)
        if same is not path:
            also = "" if same == path else f" (also named {same})"
            blocked.append(
                Problem(
                    f"two outputs would be written here{also}; give each output its own path",
                    str(path),
                )
            )
    if blocked:
        raise InputError(blocked)
    directories = list(dict.fromkeys(path.parent for path in paths))
    for directory in directories:
        check_output_directory(directory)  # every one before the first is created
    created: list[Path] = []
    try:
        for directory in directories:
            _make_directory(directory, created)
        _stage_and_rename(pairs)
    except InputError:
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                directory.rmdir()  # only if still empty: another run may have written there
        raise
    return paths


def _make_directory(directory: Path, created: list[Path]) -> None:
    """Create ``directory`` with its missing parents, outermost first, each appended to
    ``created`` as soon as it exists (so that a failure removes exactly those)."""
    for d in [d for d in (directory, *directory.parents) if not d.exists()][::-1]:
        try:
            d.mkdir(exist_ok=True)
        except OSError as exc:
            raise InputError(
                Problem(f"cannot create output directory ({exc.strerror})", str(directory))
            ) from None
        created.append(d)


def _stage_and_rename(pairs: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file beside its final path, then rename them all into place."""
    staged: list[tuple[str, Path]] = []
    current = Path()
    try:
        for final, content in pairs:
            current = final
            fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
            staged.append((tmp, final))
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; exports are ordinary files
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, final in staged:
            current = final
            os.replace(tmp, final)
    except OSError as exc:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise InputError(Problem(f"cannot write output ({exc.strerror})", str(current))) from None


def open_memory_database() -> sqlite3.Connection:
    """A private in-memory SQLite database with the ledger's settings (simulations: the ledger's
    draw-down logic without a file; nothing outlives the connection)."""
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def ledger_is_new(path: Path) -> bool:
    """Whether ``path`` holds no ledger yet: no file there, or an empty one (SQLite makes a
    database of a 0-byte file, so such a file is where a ledger may start)."""
    try:
        return not path.exists() or (path.is_file() and path.stat().st_size == 0)
    except OSError:
        return False  # open_database names the problem


def open_database(path: Path, create: bool = True) -> sqlite3.Connection:
    """Open the SQLite ledger at ``path``; to record in it (``create``) or only to read it.

    The connection is in autocommit mode: the ledger opens its own explicit transactions so
    that a batch is all-or-nothing.  The journal settings are left to
    :class:`visitering.ledger.Ledger`, which makes them only once it knows the file is a ledger.

    To record, the file (created if need be) and its directory must be writable: SQLite keeps
    a ledger's write-ahead log (``-wal``, ``-shm``) beside it.  To read, the file must exist and
    is opened read-only; a ledger in a directory this user cannot write to (an archived year on
    a read-only share) is read as an immutable file, provided no write-ahead log lies beside it
    that would hold committed batches the file itself does not.
    """
    if path.exists() and path.is_dir():
        raise InputError(Problem("is a directory, not a ledger file", str(path)))
    if not create and not path.is_file():
        raise InputError(Problem("no ledger at this path", str(path)))
    if create:
        check_ledger_writable(path)
    try:
        if create:
            connection = sqlite3.connect(path, isolation_level=None)
        else:
            connection = _connect_for_reading(path)
        _read_header(connection, path)
    except sqlite3.OperationalError as exc:
        wal = path.with_name(f"{path.name}-wal")
        if create or exc.sqlite_errorcode != sqlite3.SQLITE_CANTOPEN:
            raise InputError(Problem(f"cannot open the ledger ({exc})", str(path))) from None
        if wal.exists():
            raise InputError(
                Problem(
                    f"cannot open the ledger ({exc}): SQLite cannot make its shared-memory file "
                    f"in that directory, and {wal.name} beside it may hold batches the file does "
                    f"not; copy the ledger with {wal.name} to a directory you may write to",
                    str(path),
                )
            ) from None
        connection = _connect_read_only(path, immutable=True)
        try:
            _read_header(connection, path)
        except sqlite3.OperationalError as again:
            raise InputError(Problem(f"cannot open the ledger ({again})", str(path))) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot open the ledger ({exc})", str(path))) from None
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def check_ledger_writable(path: Path) -> None:
    """Refuse to record in a ledger that cannot be written, naming what is read-only (before
    any work is done: :func:`open_database` checks again when it opens the file).

    A ledger starts only in a directory that exists: a mistyped path would otherwise start a
    second ledger of the year, with its quotas untouched, where the caseworker meant to add
    to the first (fuzz audit, stop 28: the missing directories were created).
    """
    directory = path.parent
    if not directory.is_dir():
        what = (
            "is a file (check the path)"
            if directory.exists()
            else "does not exist (create it first, or check the path)"
        )
        raise InputError(
            Problem(f"cannot start a ledger here: its directory {directory} {what}", str(path))
        )
    if path.exists() and not os.access(path, os.W_OK):
        what = "the file cannot be written (read-only for this user, or on a read-only disk)"
    elif not os.access(directory, os.W_OK):
        what = (
            f"its directory {directory} cannot be written (read-only for this user, or on a "
            f"read-only disk), and SQLite keeps the ledger's write-ahead log ({path.name}-wal, "
            f"{path.name}-shm) beside it"
        )
    else:
        return
    raise InputError(Problem(f"cannot record in this ledger: {what}", str(path)))


def _connect_for_reading(path: Path) -> sqlite3.Connection:
    """A connection that reads the ledger and cannot change its data (``query_only``).

    Opened read-write where the file allows it, so that, as the last connection to close, it
    checkpoints the write-ahead log and removes ``-wal`` and ``-shm`` as a writer does: a
    read-only connection leaves them beside the ledger (regression, ledger audit, stop 26:
    after ``ledger status`` a copy of the ledger file alone could look incomplete).  SQLite
    opens a file this user may not write read-only (``mode=rw`` allows that); a directory it
    may not write is read as an immutable file (:func:`open_database`).
    """
    uri = path.resolve().as_uri()
    connection = sqlite3.connect(uri + "?mode=rw", uri=True, isolation_level=None)
    connection.execute("PRAGMA query_only = ON")
    return connection


def _connect_read_only(path: Path, immutable: bool) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")
    return sqlite3.connect(uri, uri=True, isolation_level=None)


def _read_header(connection: sqlite3.Connection, path: Path) -> None:
    """Read the file's header: an :class:`InputError` if it is not an SQLite database."""
    try:
        connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.OperationalError:
        connection.close()
        raise
    except sqlite3.DatabaseError as exc:
        connection.close()
        if exc.sqlite_errorcode == sqlite3.SQLITE_CORRUPT:  # a ledger cut short, say
            raise InputError(
                Problem(f"damaged ledger ({exc}); restore it from a backup", str(path))
            ) from None
        raise InputError(
            Problem("not a visitering ledger (not an SQLite database)", str(path))
        ) from None
