"""The study clock in Redis (when settings.REDIS_URL is set), flushed to the database.

learning.catalog.services keeps the rule and decides which clock runs; this module is the Redis
side. The rule is the database clock's, to the millisecond: a beat credits the time
since the person's previous beat if that beat was for the same lesson and at most
`max_credit_per_beat` ago, up to the lesson's length; one clock per person, so two
tabs (or two browsers) of one person earn once. A beat older than the clock's last
one (two tabs' beats arriving out of order) credits nothing and leaves the clock
where it is: the clock never moves backwards, so no interval is credited twice.

Keys (all under `prefix()`, "study:" and the deployment's portal.keyspace.namespace(),
so that two deployments sharing one Redis never mix clocks):

- `c:<person>` — the clock: hash {l: lesson id, t: time of the last beat in ms since
  the epoch}; it expires soon after it could still credit anything.
- `p:<person>:<lesson>` — the lesson's progress: hash {e: enrolment id, r: the
  lesson's length in ms, ms: time studied in ms (absolute, not a delta), d: when the
  lesson was done in ms, v: until when the database's check holds (ms)}. A beat
  without a valid check returns None; the caller checks the database (one query)
  and beats again with `seed`, which also brings the database's time studied (after
  a Redis restart, the flushed time).
- `dirty` — the set of "<person>:<lesson>" whose time changed since their last flush;
  `flushing` — the set a flush is writing (renamed from `dirty`, so beats during a
  flush go to a new `dirty`); `flushed-at` — when the last flush ended (ms; set at the
  first unflushed credit when no flush has been recorded), for /healthz.

A beat is one round trip: one Lua script (registered with redis-py's
`register_script`, so EVALSHA) reads and moves the clock and adds the credit, atomically.

The flush writes absolute times with "keep the larger" (and keeps the first `done_at`),
so writing a row twice changes nothing: a flush that stopped half way, two flushes at
once, or a beat during a flush never double nor lose a second. A member leaves
`flushing` only after its row is committed (the flush's transaction is durable: a
flush inside another transaction is refused). Where the database holds more than
Redis (Redis restored from an older snapshot), the flush writes the database's time
back into Redis (keeping the larger), so that the clock goes on from it.

Memory: a progress hash with unflushed time lives KEEP_SECONDS after its last
credit; once flushed (and not changed since), at most STUDY_TICKET_SECONDS: the next
beat reseeds it from the database with one query.

Bound on loss (settings.STUDY_FLUSH_SECONDS): a Redis restart loses, per learner,
the time credited since the last flush (at most STUDY_FLUSH_SECONDS while the beat
task runs on schedule) plus the beat across the restart (the clock is gone, so the
first beat after it credits nothing: at most 2 × STUDY_HEARTBEAT_SECONDS). A Redis
restored from an older snapshot loses the same: what was credited between the
restore and the next flush. A lesson that is done is flushed at once, so a done
lesson is never lost.

Where the Redis clock differs from the database clock's rule: the database checks
"professional, enrolled in a published course, the lesson's length" on every beat;
a beat in Redis trusts that check for STUDY_TICKET_SECONDS (settings) after it was
made. A course taken offline, an enrolment or the professional role removed, or a
lesson's length changed therefore takes effect within STUDY_TICKET_SECONDS, and the
flush writes what was credited meanwhile without checking the course's status again
(it checks only that the enrolment is the person's and the lesson its course's).
"""

import contextlib
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import redis
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from learning.catalog.models import Enrolment, Lesson, LessonProgress
from portal.keyspace import namespace

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)  # the clocks' unit, in Redis and in the database alike
# A progress hash outlives its last credit by this long: the flush (every minute) must
# have written it by then. A flushed hash may go any time: the next beat reseeds it, so
# once flushed it is kept only STUDY_TICKET_SECONDS.
KEEP_SECONDS = 6 * 60 * 60
FLUSH_BATCH = 500
# /healthz reports the clock degraded when no flush ended for this many intervals.
FLUSH_LATE_INTERVALS = 3

# KEYS: clock, progress, dirty, flushed-at.
# ARGV: now ms, lesson id, max credit ms, dirty member, keep ms, flushed keep ms,
#       [seed: enrolment id, length ms, studied ms, done ms or "", checked until ms].
# Returns false (the database check is due) or {studied ms, length ms, done ms or 0,
# 1 if this beat finished the lesson}.
BEAT = """
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[3])
local created = false
if #ARGV > 6 then
  created = redis.call('EXISTS', KEYS[2]) == 0
  local ms = tonumber(redis.call('HGET', KEYS[2], 'ms') or '0')
  local seed = tonumber(ARGV[9])
  if seed > ms then ms = seed end
  redis.call('HSET', KEYS[2], 'e', ARGV[7], 'r', ARGV[8], 'ms', ms, 'v', ARGV[11])
  if ARGV[10] ~= '' then redis.call('HSETNX', KEYS[2], 'd', ARGV[10]) end
  -- A new hash holds what the database holds: nothing to flush, kept briefly.
  if created then redis.call('PEXPIRE', KEYS[2], ARGV[6]) end
elseif tonumber(redis.call('HGET', KEYS[2], 'v') or '0') < now then
  return false
end
local p = redis.call('HMGET', KEYS[2], 'r', 'ms', 'd')
local required, ms, done = tonumber(p[1]), tonumber(p[2]), tonumber(p[3] or '0')
local prev = redis.call('HMGET', KEYS[1], 'l', 't')
if prev[2] and tonumber(prev[2]) > now then
  -- Older than the clock's last beat (out of order): the clock never moves back.
  return {ms, required, done, 0}
end
redis.call('HSET', KEYS[1], 'l', ARGV[2], 't', now)
redis.call('PEXPIRE', KEYS[1], 2 * max + 1000)
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
      redis.call('SET', KEYS[4], now, 'NX')
      redis.call('PEXPIRE', KEYS[2], ARGV[5])
    end
  end
end
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

# After rows were written. KEYS: dirty, then the rows' progress keys.
# ARGV: flushed keep ms, then per key: its dirty member, the database's studied ms,
# the database's done ms or "". Keeps the larger time (a Redis restored from an older
# snapshot goes on from the database's), the first done; a hash not changed since
# (not in dirty) is kept only `flushed keep ms`.
SYNC = """
local keep = tonumber(ARGV[1])
for i = 2, #KEYS do
  local at = 3 * (i - 2) + 2
  if redis.call('EXISTS', KEYS[i]) == 1 then
    local ms = tonumber(redis.call('HGET', KEYS[i], 'ms') or '0')
    if tonumber(ARGV[at + 1]) > ms then redis.call('HSET', KEYS[i], 'ms', ARGV[at + 1]) end
    if ARGV[at + 2] ~= '' then redis.call('HSETNX', KEYS[i], 'd', ARGV[at + 2]) end
    if redis.call('SISMEMBER', KEYS[1], ARGV[at]) == 0 then
      local ttl = redis.call('PTTL', KEYS[i])
      if ttl < 0 or ttl > keep then redis.call('PEXPIRE', KEYS[i], keep) end
    end
  end
end
return #KEYS - 1
"""


def enabled() -> bool:
    """True when the study clock lives in Redis (settings.REDIS_URL is set)."""
    return bool(settings.REDIS_URL)


@functools.cache
def _client(url: str, timeout: float) -> redis.Redis:
    # Short timeouts: a slow Redis makes a beat answer 503 soon (the page beats again)
    # rather than hold a web worker for seconds.
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
    )


def client() -> redis.Redis:
    """The Redis client of the study clock (one connection pool per process), with
    settings.STUDY_CLOCK_REDIS_TIMEOUT (seconds) to connect and to answer."""
    return _client(settings.REDIS_URL, settings.STUDY_CLOCK_REDIS_TIMEOUT)


@functools.cache
def _registered(r: redis.Redis):
    return r.register_script(BEAT), r.register_script(CLAIM), r.register_script(SYNC)


def _scripts():
    return _registered(client())


def prefix() -> str:
    """Every key of the clock starts with this: "study:<namespace>:" (portal.keyspace)."""
    return f"study:{namespace()}:"


def ms_of(moment: datetime) -> int:
    """Milliseconds since the epoch (exact integer arithmetic; sub-millisecond parts
    are dropped)."""
    return (moment - EPOCH) // MS


def moment_of(ms: int) -> datetime:
    """The aware UTC datetime `ms` milliseconds after the epoch (inverse of ms_of)."""
    return EPOCH + ms * MS


def truncated(moment: datetime) -> datetime:
    """`moment` truncated to the millisecond, the clocks' unit (an aware datetime)."""
    return moment_of(ms_of(moment))


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
    `seed`. A beat older than the clock's last one credits nothing and leaves the
    clock alone. Raises redis.exceptions.ConnectionError/TimeoutError on an outage."""
    beat_script, _claim, _sync = _scripts()
    p = prefix()
    now_ms = ms_of(now)
    max_ms = 2 * settings.STUDY_HEARTBEAT_SECONDS * 1000
    args = [
        now_ms,
        lesson_id,
        max_ms,
        f"{person_id}:{lesson_id}",
        KEEP_SECONDS * 1000,
        _flushed_keep_ms(),
    ]
    if seed is not None:
        args += [
            seed.enrolment_id,
            seed.required_seconds * 1000,
            int(seed.seconds * 1000),
            ms_of(seed.done_at) if seed.done_at else "",
            now_ms + settings.STUDY_TICKET_SECONDS * 1000,
        ]
    keys = [f"{p}c:{person_id}", f"{p}p:{person_id}:{lesson_id}", f"{p}dirty", f"{p}flushed-at"]
    result = beat_script(keys=keys, args=args)
    if result is None:
        return None
    studied, required, done, finished = (int(x) for x in result)
    return Reading(studied, required, done, bool(finished))


def _flushed_keep_ms() -> int:
    return settings.STUDY_TICKET_SECONDS * 1000


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


def _write(rows: list[_Row], *, durable: bool) -> list[tuple[_Row, Decimal, datetime | None]]:
    """Upsert the rows: keep the larger time and the first done_at. Only a row whose
    enrolment is the person's and whose lesson belongs to its course is written.
    Returns each written row with what the database holds now (studied seconds,
    done_at). `durable`: refuse to run inside another transaction (RuntimeError), so
    that what the caller does after the return is done after the commit."""
    if not rows:
        return []
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
    with transaction.atomic(durable=durable), connections["default"].cursor() as cursor:
        cursor.executemany(sql, params)
        stored = {
            (enrolment, lesson): (seconds, done_at)
            for enrolment, lesson, seconds, done_at in LessonProgress.objects.filter(
                enrolment_id__in={row.enrolment_id for row in rows},
                lesson_id__in={row.lesson_id for row in rows},
            ).values_list("enrolment_id", "lesson_id", "seconds", "done_at")
        }
    return [
        (row, *stored[row.enrolment_id, row.lesson_id])
        for row in rows
        if (row.enrolment_id, row.lesson_id) in stored
    ]


def _sync(written: list[tuple[_Row, Decimal, datetime | None]]) -> None:
    """Bring the database's time back into Redis where it holds more (SYNC)."""
    if not written:
        return
    p = prefix()
    keys, args = [f"{p}dirty"], [_flushed_keep_ms()]
    for row, seconds, done_at in written:
        keys.append(f"{p}p:{row.person_id}:{row.lesson_id}")
        args += [
            f"{row.person_id}:{row.lesson_id}",
            int(seconds * 1000),
            ms_of(done_at) if done_at else "",
        ]
    _beat, _claim, sync = _scripts()
    sync(keys=keys, args=args)


def flush_lessons(person_id: int, lesson_ids: list[int]) -> int:
    """Write these lessons' time of `person_id` to the database now (a lesson just
    done, or the quiz about to check that every lesson is done); returns how many
    rows were written. Idempotent; may run inside a transaction: the lessons stay in
    `dirty` for the next flush, which writes the same values again. Raises the Redis
    errors of an outage."""
    written = _write(
        _read([f"{person_id}:{lesson}".encode() for lesson in lesson_ids]), durable=False
    )
    _sync(written)
    return len(written)


def flush_lesson(person_id: int, lesson_id: int) -> None:
    """`flush_lessons` for one lesson."""
    flush_lessons(person_id, [lesson_id])


def flush(batch: int = FLUSH_BATCH) -> int:
    """Write every changed lesson's time to the database in batches of `batch`;
    return how many rows were written. One flush at a time (a Redis lock); a flush
    that stopped half way is resumed by the next. Idempotent (module docstring).
    Raises RuntimeError inside a transaction (its rows leave `flushing` only once
    committed) and the Redis errors of an outage; records when it ended (`health`)."""
    if not enabled():
        return 0
    r = client()
    p = prefix()
    _beat, claim, _sync_script = _scripts()
    lock = r.lock(f"{p}flush-lock", timeout=max(60, 5 * settings.STUDY_FLUSH_SECONDS))
    if not lock.acquire(blocking=False):
        return 0
    written = 0
    try:
        for _round in range(2):  # an unfinished flush's rest, then what is dirty now
            if not claim(keys=[f"{p}dirty", f"{p}flushing"]):
                break
            while members := r.srandmember(f"{p}flushing", batch):
                rows = _write(_read(members), durable=True)
                _sync(rows)
                r.srem(f"{p}flushing", *members)
                written += len(rows)
        r.set(f"{p}flushed-at", ms_of(timezone.now()))
    finally:
        # A lock that expired meanwhile: another flush may run; the writes are idempotent.
        with contextlib.suppress(redis.exceptions.LockError):
            lock.release()
    return written


@dataclass(frozen=True)
class Health:
    """The flush's state, for /healthz."""

    unflushed: int  # lessons whose time awaits a flush
    last_flush_seconds: float | None  # since the last flush ended; None: none due
    late: bool  # no flush for FLUSH_LATE_INTERVALS × STUDY_FLUSH_SECONDS


def health() -> Health:
    """How many lessons await a flush and how long ago the last flush ended (one
    round trip). Raises the Redis errors of an outage."""
    p = prefix()
    pipe = client().pipeline(transaction=False)
    pipe.scard(f"{p}dirty")
    pipe.scard(f"{p}flushing")
    pipe.get(f"{p}flushed-at")
    dirty, flushing, flushed_at = pipe.execute()
    age = None
    if flushed_at is not None:
        age = max(0, ms_of(timezone.now()) - int(flushed_at)) / 1000
    late = age is not None and age > FLUSH_LATE_INTERVALS * settings.STUDY_FLUSH_SECONDS
    return Health(unflushed=dirty + flushing, last_flush_seconds=age, late=late)


def forget_all() -> int:
    """Delete every key of this database's clock (tests; what a Redis restart does to
    the clock). Returns how many keys were deleted."""
    r = client()
    keys = list(r.scan_iter(match=f"{prefix()}*", count=1000))
    return r.delete(*keys) if keys else 0


def health_status() -> dict:
    """The Redis study clock's flush (`health`), for /healthz (registered with
    portal.health in LearningConfig.ready):
    {"status": "ok" | "degraded" | "not configured" | "error: <kind>", and with "ok"
    or "degraded" also "unflushed": lessons awaiting a flush, "last_flush_seconds":
    seconds since the last flush ended (null: none recorded and none due)}.
    "degraded": no flush for FLUSH_LATE_INTERVALS × STUDY_FLUSH_SECONDS — the beat or
    the worker consuming CELERY_CLOCK_QUEUE is not running; studied time piles up in
    Redis only. Never raises."""
    if not enabled():
        return {"status": "not configured"}
    try:
        now = health()
    except redis.RedisError as exc:
        return {"status": f"error: {exc.__class__.__name__}"}
    age = now.last_flush_seconds
    return {
        "status": "degraded" if now.late else "ok",
        "unflushed": now.unflushed,
        "last_flush_seconds": round(age, 1) if age is not None else None,
    }
