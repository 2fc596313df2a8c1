"""The study clock in Redis (when settings.REDIS_URL is set), flushed to the database.

learning.study keeps the rule and decides which clock runs; this module is the Redis
side. The rule is the database clock's, to the millisecond: a beat credits the time
since the person's previous beat if that beat was for the same lesson and at most
`max_credit_per_beat` ago, up to the lesson's length; one clock per person, so two
tabs (or two browsers) of one person earn once.

Keys (all under `prefix()`, which names the database so that two databases sharing
one Redis never mix clocks):

- `c:<person>` — the clock: hash {l: lesson id, t: time of the last beat in ms since
  the epoch}; it expires soon after it could still credit anything.
- `p:<person>:<lesson>` — the lesson's progress: hash {e: enrolment id, r: the
  lesson's length in ms, ms: time studied in ms (absolute, not a delta), d: when the
  lesson was done in ms, v: until when the database's "enrolled and published" check
  holds (ms)}. A beat without a valid check returns None; the caller checks the
  database (one query) and beats again with `seed`, which also brings the database's
  time studied (after a Redis restart, the flushed time).
- `dirty` — the set of "<person>:<lesson>" whose time changed since their last flush;
  `flushing` — the set a flush is writing (renamed from `dirty`, so beats during a
  flush go to a new `dirty`).

A beat is one round trip: one Lua script (registered with redis-py's
`register_script`, so EVALSHA) reads and moves the clock and adds the credit, atomically.

The flush writes absolute times with "keep the larger" (and keeps the first `done_at`),
so writing a row twice changes nothing: a flush that stopped half way, two flushes at
once, or a beat during a flush never double nor lose a second. A member leaves
`flushing` only after its row is committed.

Bound on loss (settings.STUDY_FLUSH_SECONDS): a Redis restart loses, per learner,
the time credited since the last flush (at most STUDY_FLUSH_SECONDS while the beat
task runs on schedule) plus the beat across the restart (the clock is gone, so the
first beat after it credits nothing: at most 2 × STUDY_HEARTBEAT_SECONDS). A lesson
that is done is flushed at once, so a done lesson is never lost.
"""

import contextlib
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis
from django.conf import settings
from django.db import connections, transaction

from learning.models import Enrolment, Lesson, LessonProgress

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
# A progress hash outlives its last beat by this long: the flush (every minute) must
# have written it by then. A flushed hash may go any time: the next beat reseeds it.
KEEP_SECONDS = 6 * 60 * 60
FLUSH_BATCH = 500

# KEYS: clock, progress, dirty.
# ARGV: now ms, lesson id, max credit ms, dirty member, keep ms,
#       [seed: enrolment id, length ms, studied ms, done ms or "", checked until ms].
# Returns false (the database check is due) or {studied ms, length ms, done ms or 0,
# 1 if this beat finished the lesson}.
BEAT = """
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[3])
if #ARGV > 5 then
  local ms = tonumber(redis.call('HGET', KEYS[2], 'ms') or '0')
  local seed = tonumber(ARGV[8])
  if seed > ms then ms = seed end
  redis.call('HSET', KEYS[2], 'e', ARGV[6], 'r', ARGV[7], 'ms', ms, 'v', ARGV[10])
  if ARGV[9] ~= '' then redis.call('HSETNX', KEYS[2], 'd', ARGV[9]) end
elseif tonumber(redis.call('HGET', KEYS[2], 'v') or '0') < now then
  return false
end
local prev = redis.call('HMGET', KEYS[1], 'l', 't')
redis.call('HSET', KEYS[1], 'l', ARGV[2], 't', now)
redis.call('PEXPIRE', KEYS[1], 2 * max + 1000)
local p = redis.call('HMGET', KEYS[2], 'r', 'ms', 'd')
local required, ms, done = tonumber(p[1]), tonumber(p[2]), tonumber(p[3] or '0')
local finished = 0
if prev[1] == ARGV[2] and prev[2] then
  local elapsed = now - tonumber(prev[2])
  if elapsed > 0 and elapsed <= max then
    local total = math.min(required, ms + elapsed)
    local changed = total ~= ms
    ms = total
    if ms >= required and done == 0 then
      done = now
      finished = 1
      changed = true
    end
    if changed then
      redis.call('HSET', KEYS[2], 'ms', ms)
      if finished == 1 then redis.call('HSET', KEYS[2], 'd', done) end
      redis.call('SADD', KEYS[3], ARGV[4])
    end
  end
end
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {ms, required, done, finished}
"""

# KEYS: dirty, flushing. Resume an unfinished flush, else take the dirty set.
CLAIM = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
  redis.call('RENAME', KEYS[1], KEYS[2])
end
return redis.call('SCARD', KEYS[2])
"""


def enabled() -> bool:
    """True when the study clock lives in Redis (settings.REDIS_URL is set)."""
    return bool(settings.REDIS_URL)


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )


@functools.cache
def _scripts(url: str):
    client = _client(url)
    return client.register_script(BEAT), client.register_script(CLAIM)


def client() -> redis.Redis:
    """The Redis client of the study clock (one connection pool per process)."""
    return _client(settings.REDIS_URL)


def prefix() -> str:
    """Every key of the clock starts with this: "study:<database name>:"."""
    return f"study:{connections['default'].settings_dict['NAME']}:"


def ms_of(moment: datetime) -> int:
    """Milliseconds since the epoch (exact integer arithmetic)."""
    return (moment - EPOCH) // MS


def moment_of(ms: int) -> datetime:
    return EPOCH + ms * MS


@dataclass(frozen=True)
class Seed:
    """What the database says of a person's lesson, for a beat that needs its check."""

    enrolment_id: int
    required_seconds: int
    seconds: Decimal
    done_at: datetime | None


@dataclass(frozen=True)
class Reading:
    """A lesson's progress after a beat: times in milliseconds."""

    studied_ms: int
    required_ms: int
    done_ms: int  # 0 while not done
    finished: bool  # this beat finished the lesson


def beat(
    person_id: int, lesson_id: int, now: datetime, *, seed: Seed | None = None
) -> Reading | None:
    """Credit a beat of `person_id` on `lesson_id` at `now` (one round trip).

    Returns None when the lesson's database check has expired or was never made (a
    new lesson, Redis restarted): the caller checks the database and beats again with
    `seed`. Raises redis.exceptions.ConnectionError/TimeoutError on an outage."""
    beat_script, _claim = _scripts(settings.REDIS_URL)
    p = prefix()
    now_ms = ms_of(now)
    max_ms = 2 * settings.STUDY_HEARTBEAT_SECONDS * 1000
    args = [now_ms, lesson_id, max_ms, f"{person_id}:{lesson_id}", KEEP_SECONDS * 1000]
    if seed is not None:
        args += [
            seed.enrolment_id,
            seed.required_seconds * 1000,
            int(seed.seconds * 1000),
            ms_of(seed.done_at) if seed.done_at else "",
            now_ms + settings.STUDY_TICKET_SECONDS * 1000,
        ]
    keys = [f"{p}c:{person_id}", f"{p}p:{person_id}:{lesson_id}", f"{p}dirty"]
    result = beat_script(keys=keys, args=args)
    if result is None:
        return None
    studied, required, done, finished = (int(x) for x in result)
    return Reading(studied, required, done, bool(finished))


def studied_seconds(person_id: int, lesson_id: int) -> Decimal | None:
    """The time studied that Redis holds for the lesson (flushed or not), or None."""
    value = client().hget(f"{prefix()}p:{person_id}:{lesson_id}", "ms")
    return Decimal(int(value)).scaleb(-3) if value is not None else None


@dataclass(frozen=True)
class _Row:
    person_id: int
    enrolment_id: int
    lesson_id: int
    seconds: Decimal
    done_at: datetime | None


def _read(members: list[bytes]) -> list[_Row]:
    p = prefix()
    pipe = client().pipeline(transaction=False)
    pairs = []
    for member in members:
        person, lesson = member.decode().split(":")
        pairs.append((int(person), int(lesson)))
        pipe.hmget(f"{p}p:{person}:{lesson}", "e", "ms", "d")
    rows = []
    for (person, lesson), (enrolment, studied, done) in zip(pairs, pipe.execute(), strict=True):
        if enrolment is None or studied is None:
            continue  # expired: nothing left to write
        rows.append(
            _Row(
                person,
                int(enrolment),
                lesson,
                Decimal(int(studied)).scaleb(-3),
                moment_of(int(done)) if done else None,
            )
        )
    return sorted(rows, key=lambda row: (row.enrolment_id, row.lesson_id))


def _write(rows: list[_Row]) -> None:
    """Upsert the rows: keep the larger time and the first done_at. Only a row whose
    enrolment is the person's and whose lesson belongs to its course is written."""
    if not rows:
        return
    progress = LessonProgress._meta.db_table
    sql = f"""
        INSERT INTO {progress} (enrolment_id, lesson_id, seconds, done_at)
        SELECT e.id, l.id, %s, %s
        FROM {Enrolment._meta.db_table} e
        JOIN {Lesson._meta.db_table} l ON l.course_id = e.course_id
        WHERE e.id = %s AND e.person_id = %s AND l.id = %s
        ON CONFLICT (enrolment_id, lesson_id) DO UPDATE SET
            seconds = CASE WHEN EXCLUDED.seconds > {progress}.seconds
                      THEN EXCLUDED.seconds ELSE {progress}.seconds END,
            done_at = COALESCE({progress}.done_at, EXCLUDED.done_at)
    """  # noqa: S608 - table names from the models, values as parameters
    params = [
        (row.seconds, row.done_at, row.enrolment_id, row.person_id, row.lesson_id) for row in rows
    ]
    with transaction.atomic(), connections["default"].cursor() as cursor:
        cursor.executemany(sql, params)


def flush_lesson(person_id: int, lesson_id: int) -> None:
    """Write one lesson's time to the database now (a lesson just done: the quiz's
    check must see it). Idempotent; the lesson stays in `dirty` for the next flush,
    which then writes the same values again."""
    _write(_read([f"{person_id}:{lesson_id}".encode()]))


def flush(batch: int = FLUSH_BATCH) -> int:
    """Write every changed lesson's time to the database in batches of `batch`;
    return how many rows were written. One flush at a time (a Redis lock); a flush
    that stopped half way is resumed by the next. Idempotent (module docstring)."""
    if not enabled():
        return 0
    r = client()
    p = prefix()
    _beat, claim = _scripts(settings.REDIS_URL)
    lock = r.lock(f"{p}flush-lock", timeout=max(60, 5 * settings.STUDY_FLUSH_SECONDS))
    if not lock.acquire(blocking=False):
        return 0
    written = 0
    try:
        for _round in range(2):  # an unfinished flush's rest, then what is dirty now
            if not claim(keys=[f"{p}dirty", f"{p}flushing"]):
                break
            while members := r.srandmember(f"{p}flushing", batch):
                rows = _read(members)
                _write(rows)
                r.srem(f"{p}flushing", *members)
                written += len(rows)
    finally:
        # A lock that expired meanwhile: another flush may run; the writes are idempotent.
        with contextlib.suppress(redis.exceptions.LockError):
            lock.release()
    return written


def forget_all() -> int:
    """Delete every key of this database's clock (tests; what a Redis restart does to
    the clock). Returns how many keys were deleted."""
    r = client()
    keys = list(r.scan_iter(match=f"{prefix()}*", count=1000))
    return r.delete(*keys) if keys else 0
