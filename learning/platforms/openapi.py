"""The OpenAPI description of the platforms' push endpoint, served at /api/openapi.json.

The request body's schemas are the pydantic models that check every push
(learning.platforms.schema); only the rest — the path, the signature headers, the
responses — is written here.
"""

from learning.platforms.models import PlatformRecord
from learning.platforms.schema import body_json_schema
from learning.platforms.services import CLOCK_SKEW_SECONDS, MAX_BODY_BYTES

PUSH_PATH = "/api/platforms/{code}/completions"
REF_TEMPLATE = "#/components/schemas/{model}"
SIGNATURE_HEADERS = {
    "X-Key-Id": "The key's id, as shown when the key was created.",
    "X-Timestamp": (f"Unix seconds; within {CLOCK_SKEW_SECONDS} seconds of the portal's clock."),
    "X-Signature": "hex(HMAC-SHA256(secret, X-Timestamp + '.' + body)), lower case.",
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                }
            }
        },
    }


def spec(server_url: str) -> dict:
    """The OpenAPI 3.1 document, with `server_url` (the portal's root URL) as its
    server. Its request body schema and components.schemas come from
    schema.body_json_schema, so they are what the endpoint checks."""
    body, schemas = body_json_schema(REF_TEMPLATE)
    outcomes = [value for value, _label in PlatformRecord.Outcome.choices]
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
                "is accepted once. A body that does not match the schema is refused "
                "whole (400); a record that matches it but breaks a rule in its field's "
                "description is stored and answered as rejected, with its reason."
            ),
        },
        "servers": [{"url": server_url.rstrip("/")}],
        "paths": {
            PUSH_PATH: {
                "post": {
                    "summary": "Push a batch of completion records",
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "description": "The platform's code.",
                            "schema": {"type": "string"},
                        },
                        *[
                            {
                                "name": name,
                                "in": "header",
                                "required": True,
                                "description": description,
                                "schema": {"type": "string"},
                            }
                            for name, description in SIGNATURE_HEADERS.items()
                        ],
                    ],
                    "requestBody": {
                        "required": True,
                        "description": f"UTF-8 JSON, at most {MAX_BODY_BYTES} bytes.",
                        "content": {"application/json": {"schema": body}},
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
                                                            "enum": outcomes,
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
                        "400": _error(
                            "Malformed body: not JSON, too large, or not matching the schema; "
                            "nothing is stored"
                        ),
                        "401": _error("Unknown key, bad signature, clock skew or replay"),
                        "404": _error("No platform has this code"),
                    },
                }
            }
        },
        "components": {"schemas": schemas},
    }
