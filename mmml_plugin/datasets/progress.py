"""A byte-count progress bar (rich) for long file scans."""
from contextlib import contextmanager


@contextmanager
def byte_progress(total: int, description: str, enabled: bool = True):
    """Yields ``advance(num_bytes)``; shows a transient rich progress bar when ``enabled``.

    Args:
        total (int): bytes to process.
        description (str): label shown left of the bar.
        enabled (bool): no bar (and no cost) when False, e.g. for small files.
    """
    if not enabled:
        yield lambda n: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
    with Progress(TextColumn('{task.description}'),
                  BarColumn(),
                  DownloadColumn(),
                  TimeRemainingColumn(),
                  transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)
