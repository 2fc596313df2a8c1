import json
import time

import pytest

from learning.models import Platform, PlatformKey
from learning.platforms.services import sign


@pytest.fixture
def platform(db):
    return Platform.objects.get(code="sdou")


@pytest.fixture
def key(platform):
    return PlatformKey.new_for(platform)  # a fresh key id: no replay memory to clear


def record(person, external_id="c-1", **fields):
    return {
        "external_id": external_id,
        "id_number": person.id_number if person else "11010519491231002X",
        "name": person.real_name if person else "无此人",
        "course_title": "黄河流域生态保护和高质量发展",
        "hours": 6,
        "category": "public",
        "completed_at": "2025-06-01T10:00:00+08:00",
        **fields,
    }


def push(client, key_and_secret, records=None, *, body=None, timestamp=None, signature=None):
    key, secret = key_and_secret
    if body is None:
        body = json.dumps({"records": records}).encode()
    timestamp = str(timestamp if timestamp is not None else int(time.time()))
    return client.post(
        f"/api/platforms/{key.platform.code}/completions",
        data=body,
        content_type="application/json",
        HTTP_X_KEY_ID=key.key_id,
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_SIGNATURE=signature or sign(secret, timestamp, body),
    )


def outcomes(response):
    return [(r["external_id"], r["outcome"]) for r in response.json()["results"]]
