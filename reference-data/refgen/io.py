"""Deterministic file writing: parquet (zstd, fixed row groups, no pandas metadata) and csv.

Every file is written to a temporary name in the target directory and then renamed, so a reader
never sees a half-written file.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_SIZE = 1 << 20  # rows; fixed so that the file layout does not depend on anything else
ZSTD_LEVEL = 9


class UserError(Exception):
    """A problem with the user's arguments or paths: reported as one line, exit code 2."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tmp_path(path: str) -> str:
    d, base = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + base + ".", dir=d or ".")
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file ordinary permissions
    return tmp


def write_parquet(table: pa.Table, path: str) -> None:
    """Write `table` deterministically (same content and bytes for the same table)."""
    # drop any schema metadata (pandas metadata carries versions/index info we do not want)
    table = table.replace_schema_metadata(None)
    float_cols = [f.name for f in table.schema if pa.types.is_floating(f.type)]
    tmp = _tmp_path(path)
    try:
        pq.write_table(
            table,
            tmp,
            compression="zstd",
            compression_level=ZSTD_LEVEL,
            row_group_size=ROW_GROUP_SIZE,
            use_dictionary=[f.name for f in table.schema if pa.types.is_string(f.type)],
            use_byte_stream_split=float_cols or False,
            write_statistics=True,
            write_page_index=False,
            version="2.6",
        )
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_text(text: str, path: str) -> None:
    tmp = _tmp_path(path)
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_parquet(path: str) -> pa.Table:
    return pq.read_table(path)


def ensure_writable_dir(path: str) -> str:
    """Create `path` if needed and check that files can be created in it; UserError if not."""
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".tmp-probe.", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise UserError(f"output directory {path!r} is not writable: {e.strerror or e}") from None
    return path


def bool_table(names: list[str], columns: list[np.ndarray]) -> pa.Table:
    return pa.table({n: pa.array(np.ascontiguousarray(c, dtype=np.bool_), type=pa.bool_()) for n, c in zip(names, columns)})
