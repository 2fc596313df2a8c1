"""The OpenAPI description of the platforms' push endpoint, served at /api/openapi.json."""

from learning.ingest import CLOCK_SKEW_SECONDS, FIELDS, MAX_RECORDS

RECORD = {
    "type": "object",
    "required": list(FIELDS),
    "properties": {
        "external_id": {"type": "string", "maxLength": 100, "description": "Unique per platform"},
        "id_number": {"type": "string", "description": "居民身份证号码, 18 characters"},
        "name": {"type": "string", "description": "Must match the person of id_number"},
        "course_title": {"type": "string", "maxLength": 200},
        "hours": {"type": "number", "minimum": 0.5, "maximum": 100, "multipleOf": 0.1},
        "category": {"type": "string", "enum": ["public", "professional"]},
        "completed_at": {"type": "string", "format": "date-time"},
    },
}


def spec(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Continuing-education portal: platform completions",
            "version": "1",
            "description": (
                "Public-subject platforms push completion records. Sign each request with "
                "the platform key: X-Signature = hex(HMAC-SHA256(secret, "
                "X-Timestamp + '.' + body)); X-Timestamp is Unix seconds and must be "
                f"within {CLOCK_SKEW_SECONDS} seconds of the portal's clock; a signature "
                "is accepted once."
            ),
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {
            "/api/platforms/{code}/completions": {
                "post": {
                    "summary": "Push a batch of completion records",
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        *[
                            {
                                "name": name,
                                "in": "header",
                                "required": True,
                                "schema": {"type": "string"},
                            }
                            for name in ("X-Key-Id", "X-Timestamp", "X-Signature")
                        ],
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "records": {
                                            "type": "array",
                                            "maxItems": MAX_RECORDS,
                                            "items": RECORD,
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One outcome per record, in order",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "batch": {"type": "integer"},
                                            "results": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "external_id": {"type": "string"},
                                                        "outcome": {
                                                            "type": "string",
                                                            "enum": [
                                                                "credited",
                                                                "duplicate",
                                                                "rejected",
                                                            ],
                                                        },
                                                        "reason": {"type": "string"},
                                                    },
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {"description": "Malformed body: not JSON, wrong shape, too large"},
                        "401": {"description": "Unknown key, bad signature, clock skew or replay"},
                    },
                }
            }
        },
    }
