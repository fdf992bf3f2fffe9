"""One clear message instead of a traceback for the errors a user makes on the command line.

``tools/train.py`` and ``tools/test.py`` run inside :func:`exit_on_user_error`: a missing file,
a wrong config value, a bad image, ``--amp`` without a GPU or a checkpoint download without
network prints ``error: <message>`` on stderr and exits with status 1; ``--debug`` re-raises
with the full traceback. Anything else (a bug) keeps its traceback.
"""
import contextlib
import os.path as osp
import sys
import traceback
from typing import Iterator, Optional
from urllib.error import URLError

#: The exception types the plugin, mmengine and torch raise for a user's mistake (our checks
#: raise these with messages naming the file and the fix). ``URLError`` is an ``OSError``.
USER_ERRORS = (OSError, ValueError, KeyError, RuntimeError)

DEBUG_HINT = '(run again with --debug for the traceback)'


def _download_url(exc: BaseException) -> Optional[str]:
    """The URL a failed download was fetching: the ``url``/``filename`` local of a frame."""
    tb = exc.__traceback__
    url = None
    while tb is not None:
        for name in ('url', 'filename'):
            value = tb.tb_frame.f_locals.get(name)
            if isinstance(value, str) and value.startswith(('http://', 'https://')):
                url = value
        tb = tb.tb_next
    return url


def _loading_checkpoint(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while mmengine loaded a checkpoint file."""
    frames = traceback.extract_tb(exc.__traceback__)
    return any(f.name in ('load_from_local', 'load_checkpoint', '_load_checkpoint') for f in frames)


def user_error_message(exc: BaseException) -> Optional[str]:
    """The message to print for ``exc``, or None when it is not a user error.

    A dataloader worker's error arrives re-raised with the worker's traceback in its text
    (``Caught ValueError in DataLoader worker process 0. Original Traceback ...``); only its
    last line, the original message, is kept.

    Args:
        exc (BaseException): the exception.

    Returns:
        str | None: one message naming the problem and the fix.
    """
    if not isinstance(exc, USER_ERRORS):
        return None
    if isinstance(exc, (URLError, ConnectionError)) or 'urlopen error' in str(exc):
        url = _download_url(exc)
        reason = getattr(exc, 'reason', exc)
        if url is None:
            return f'a download failed ({reason}); is the network reachable?'
        from torch.hub import get_dir
        target = osp.join(get_dir(), 'checkpoints', url.rsplit('/', 1)[-1])
        return (f'cannot download {url} ({reason}). The config initialises weights from it '
                '(an init_cfg or load_from): without network, put the file at '
                f'{target}, or train from random weights with '
                '--cfg-options model.backbone.init_cfg=None.')
    message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    message = str(message)
    if 'Original Traceback' in message:
        last = message.rstrip().splitlines()[-1]
        message = last.split(': ', 1)[1] if ': ' in last else last
    if isinstance(exc, FileNotFoundError) and _loading_checkpoint(exc):
        message += (' A checkpoint named by the config (a Pretrained init_cfg or load_from) is '
                    'missing: make it, or override it, e.g. --cfg-options '
                    'model.backbone.init_cfg=None to start from random weights.')
    return message


@contextlib.contextmanager
def exit_on_user_error(debug: bool = False, prog: Optional[str] = None) -> Iterator[None]:
    """Turn a user error raised in the block into ``error: <message>`` and exit status 1.

    Args:
        debug (bool): re-raise instead, with the traceback (``--debug``).
        prog (str, optional): the tool's name, printed before the message.
    """
    try:
        yield
    except USER_ERRORS as exc:
        message = None if debug else user_error_message(exc)
        if message is None:
            raise
        prog = prog or osp.basename(sys.argv[0])
        print(f'{prog}: error: {message}\n{DEBUG_HINT}', file=sys.stderr, flush=True)
        raise SystemExit(1) from None
