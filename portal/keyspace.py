"""One name per deployment for keys in a shared Redis.

Several deployments (production and staging, or the test databases of parallel test
runs) may share one Redis. Every key a module writes there that belongs to one
database (the study clock, the cached hours pages) starts with its own component and
`namespace()`, so two deployments never read each other's keys.
"""

import hashlib

from django.conf import settings
from django.db import connections


def namespace() -> str:
    """The deployment's name for Redis keys: settings.DEPLOYMENT_ID when it is set
    (non-empty), else the first 12 hex digits of the SHA-256 of the default
    database's "host:port/name" (a SQLite path may be long or hold spaces; two
    databases of the same name on two servers still differ).

    Read at each call: tests switch to a test database after start-up. No errors;
    the result holds only [0-9a-f] or DEPLOYMENT_ID's characters and no ":"."""
    deployment = getattr(settings, "DEPLOYMENT_ID", "")
    if deployment:
        return str(deployment).replace(":", "_")
    database = connections["default"].settings_dict
    name = f"{database.get('HOST') or ''}:{database.get('PORT') or ''}/{database['NAME']}"
    return hashlib.sha256(name.encode()).hexdigest()[:12]
