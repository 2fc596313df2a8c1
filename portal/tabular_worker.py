"""An upload stored as a file, read in a limited child process: what a Celery worker
reads an uploaded file with (credits.offline_jobs). The child process itself, its
limits and how it ends are portal.limited's; its names are offered here too, for
the code that reads uploads."""

from collections.abc import Iterator

from django.core.files import File

from portal.limited import run_limited
from portal.tabular import Row, TableSpec
from portal.tabular import _read_chunks_in_this_process as read_chunks


def read_chunks_limited(
    path: str,
    *,
    name: str,
    spec: TableSpec,
    size: int,
    memory_mb: int,
    cpu_seconds: int,
    wall_seconds: float | None = None,
) -> Iterator[list[Row]]:
    """The data rows of the file at `path` (shown to the user as `name`), read in a
    limited child process (`run_limited`), in lists of at most `size` rows."""

    def produce():
        with open(path, "rb") as handle:
            yield from read_chunks(File(handle, name=name), spec, size)

    return run_limited(
        produce, memory_mb=memory_mb, cpu_seconds=cpu_seconds, wall_seconds=wall_seconds
    )
