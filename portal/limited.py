"""Running a parser in a forked child process with memory and CPU limits.

calamine (Rust) holds a sheet densely and aborts the whole process when an allocation
fails; a crafted 2 KB workbook can ask it for half a terabyte, and no `except` catches
an abort. The archive checks of `portal.tabular` refuse the shapes they know, but the
defence that does not depend on knowing them is never to parse in the web or worker
process itself: EVERY upload is parsed in ONE child process forked for it
(`run_limited`; `portal.tabular.Table` and its helpers go through it, and
`portal.tabular_worker.read_chunks_limited` for a stored file).

1. the parent (a request, or a Celery task) forks, so the child starts with everything
   imported and the upload itself, and needs no Django set-up of its own. `os.fork`
   itself, not a multiprocessing Process: a Celery prefork worker is a daemonic
   process, which multiprocessing does not let have children (the Pipe is
   multiprocessing's);
2. the child lets go of the parent's database connections without closing them
   (closing would send the server a Terminate message over the socket both share and
   end the parent's session), lowers RLIMIT_AS to its current size plus `memory_mb`
   and RLIMIT_CPU to `cpu_seconds` (soft; the hard limit, which the kernel enforces
   with SIGKILL, a few seconds later, so that the SIGXCPU of the soft one ends it and
   tells why), and only READS: what it produces is pickled back through a Pipe. It
   never touches the database. It dies with its parent (PR_SET_PDEATHSIG);
3. the parent takes each item as it arrives (the caller's own code checks it, the
   same as before), waits for the child at most `wall_seconds` in all, and ends the
   child, whatever happens, before it returns.

How it ends, for the caller: the items; a `Refused` raised in the child (a
TableError: the reader's message, for the user), raised again, of its class and with
its message; `ReaderOutOfMemory` when the child ran out of memory or was killed
(MemoryError, a signal such as SIGKILL, or SIGABRT from a failed Rust allocation; any
exit without its last message); `ReaderOutOfTime` when it used up its CPU time (SIGXCPU) or the
parent waited for it longer than `wall_seconds`;
`ReaderFailed` for another exception in the child (its traceback is in the exception,
for the log, not for the user).
"""

import contextlib
import ctypes
import errno
import faulthandler
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import python_calamine  # noqa: F401  loaded before any fork: mapping it under the limit can fail

from portal.actions import Refused

MB = 1024 * 1024
# Seconds of CPU past the soft RLIMIT_CPU (SIGXCPU) before the kernel's SIGKILL.
CPU_GRACE_SECONDS = 5
PR_SET_PDEATHSIG = 1


class ReaderOutOfMemory(Exception):
    """The child ran out of memory or was killed by a signal."""


class ReaderFailed(Exception):
    """The child failed otherwise; the message is its traceback, for the log."""


class ReaderOutOfTime(ReaderFailed):
    """The child used up its CPU time (RLIMIT_CPU)."""


# The parent's database connections, kept referenced in the child so that nothing
# finalises them there (the child leaves through os._exit, which runs no finalisers).
_inherited: list = []


def _let_go_of_connections() -> None:
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _inherited.append(connection.connection)
            connection.connection = None


def _virtual_size() -> int:
    """This process's address space in bytes (what RLIMIT_AS counts)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit to `soft` (and `hard`, the same by default), never raising it."""
    hard = soft if hard is None else hard
    _soft, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
        soft = min(soft, hard)
    resource.setrlimit(kind, (soft, hard))


def _die_with_parent(parent: int) -> None:
    """SIGKILL this process when its parent dies, and end it now if that has already
    happened (between fork and here)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _child(produce: Callable[[], Iterable], memory_mb: int, cpu_seconds: int, pipe):
    """The child's whole life: produce, send, and say how it ended."""
    try:
        _let_go_of_connections()
        _limit(resource.RLIMIT_CORE, 0)  # SIGXCPU and SIGABRT would dump core
        _limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + CPU_GRACE_SECONDS)
        _limit(resource.RLIMIT_AS, _virtual_size() + memory_mb * MB)
        for item in produce():
            pipe.send(("item", item))
        pipe.send(("end", None))
    except MemoryError:
        _send_quietly(pipe, ("memory", None))
    except Refused as error:  # e.g. TableError: its class and its message
        _send_quietly(pipe, ("refused", (type(error), str(error))))
    except OSError as error:
        if error.errno == errno.ENOMEM:
            _send_quietly(pipe, ("memory", None))
        else:
            _send_quietly(pipe, ("error", traceback.format_exc()))
    except BaseException:
        _send_quietly(pipe, ("error", traceback.format_exc()))
    finally:
        pipe.close()
        os._exit(0)


def _send_quietly(pipe, message) -> None:
    try:
        pipe.send(message)
    except BaseException:  # out of memory even for that: the exit says enough
        os._exit(1)


def run_limited(
    produce: Callable[[], Iterable],
    *,
    memory_mb: int,
    cpu_seconds: int,
    wall_seconds: float | None = None,
) -> Iterator[Any]:
    """The items of `produce()`, run in a child process that may grow by at most
    `memory_mb` MB and use `cpu_seconds` of CPU; the parent waits for it at most
    `wall_seconds` in all (default twice `cpu_seconds`; the time the caller spends on
    the items does not count). Raises the child's Refused (a TableError, say),
    ReaderOutOfMemory, ReaderOutOfTime or ReaderFailed (see the module). Closing the
    iterator early (or dropping it) ends the child."""
    wait_left = 2.0 * cpu_seconds if wall_seconds is None else wall_seconds
    receiver, sender = multiprocessing.Pipe(duplex=False)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            _die_with_parent(parent)
            receiver.close()
            for number in (
                signal.SIGTERM,
                signal.SIGINT,
                signal.SIGQUIT,
                signal.SIGUSR1,
                signal.SIGXCPU,  # its default action ends the child, as the parent expects
            ):
                signal.signal(number, signal.SIG_DFL)  # not the worker's handlers
            faulthandler.disable()  # an abort is expected here, and reported by the parent
            _child(produce, memory_mb, cpu_seconds, sender)
        finally:
            os._exit(1)
    sender.close()  # the child holds the only writing end: its death ends recv()
    exit_code = None
    try:
        while True:
            started = time.monotonic()
            ready = receiver.poll(max(wait_left, 0))
            wait_left -= time.monotonic() - started
            if not ready:
                raise ReaderOutOfTime("the reader took too long (wall clock)")
            try:
                kind, payload = receiver.recv()
            except EOFError:
                exit_code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                if exit_code == -signal.SIGXCPU:
                    raise ReaderOutOfTime("the reader used up its CPU time") from None
                raise ReaderOutOfMemory(f"reader exited with {exit_code}") from None
            if kind == "item":
                yield payload
            elif kind == "end":
                return
            elif kind == "refused":
                refusal, message = payload
                raise refusal(message)
            elif kind == "memory":
                raise ReaderOutOfMemory("MemoryError in the reader")
            else:
                raise ReaderFailed(payload)
    finally:
        receiver.close()
        if exit_code is None:  # still running, or about to exit: end it and reap it
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
