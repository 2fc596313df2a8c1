"""The push API's document is what the endpoint accepts: /api/openapi.json's schemas
are the pydantic models that check every push, every example in them is credited, and
every value the document does not allow is refused whole (400, nothing stored) while
every value it allows gets through to the per-record checks."""

import json

import pytest

from credits.models import CreditEntry
from learning.models import PlatformRecord, ReceivedBatch
from learning.platforms.openapi import PUSH_PATH, REF_TEMPLATE
from learning.platforms.schema import FIELDS, CompletionRecord
from learning.platforms.services import FIELD_LABELS
from tests.factories import make_professional
from tests.learning.conftest import push

# One value of each JSON type (and an empty string, for minLength).
SAMPLES = [None, True, 7, 7.5, "7", "", [], {}]


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").json()


def components(document) -> dict:
    return document["components"]["schemas"]


def record_schema(document) -> dict:
    return components(document)["CompletionRecord"]


def body_schema(document) -> dict:
    post = document["paths"][PUSH_PATH]["post"]
    return post["requestBody"]["content"]["application/json"]["schema"]


def allows(schema: dict, value, document) -> bool:
    """Whether `value` matches `schema`: the part of JSON Schema the document uses
    (type, anyOf, $ref, minLength, minItems, maxItems, required, properties, items,
    additionalProperties)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_TEMPLATE.removesuffix("{model}"))
        return allows(components(document)[name], value, document)
    if "anyOf" in schema:
        return any(allows(option, value, document) for option in schema["anyOf"])
    kind = schema.get("type")
    if kind is not None and not _is_type(value, kind):
        return False
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        return False
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            return False
        if "items" in schema and not all(allows(schema["items"], v, document) for v in value):
            return False
    if isinstance(value, dict):
        if any(name not in value for name in schema.get("required", [])):
            return False
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                if not allows(properties[name], item, document):
                    return False
            elif schema.get("additionalProperties", True) is False:
                return False
    return True


def _is_type(value, kind: str) -> bool:
    return {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }[kind]


@pytest.fixture
def example(document, unit_a):
    """The document's example record, with its person registered."""
    [record] = record_schema(document)["examples"]
    make_professional(unit_a, id_number=record["id_number"], real_name=record["name"])
    return record


@pytest.mark.django_db
def test_the_documents_schemas_are_the_models(document):
    schema = record_schema(document)
    assert schema == CompletionRecord.model_json_schema(ref_template=REF_TEMPLATE)
    assert list(schema["properties"]) == list(CompletionRecord.model_fields) == list(FIELDS)
    assert schema["required"] == list(FIELDS)
    assert set(FIELD_LABELS) == set(FIELDS)  # the record page labels every field
    body = body_schema(document)
    refs = json.dumps(body)
    assert '"#/components/schemas/CompletionBatch"' in refs
    assert '"#/components/schemas/CompletionRecord"' in refs


@pytest.mark.django_db
def test_every_example_in_the_document_is_credited(client, key, document, example):
    pushed = [example]
    for name, property_schema in record_schema(document)["properties"].items():
        for number, value in enumerate(property_schema["examples"]):
            external_id = value if name == "external_id" else f"{name}-{number}"
            pushed.append({**example, name: value, "external_id": external_id})
    response = push(client, key, pushed)
    assert response.status_code == 200, response.content
    assert [r["outcome"] for r in response.json()["results"]] == ["credited"] * len(pushed)
    assert CreditEntry.objects.count() == len(pushed)


@pytest.mark.django_db
@pytest.mark.parametrize("field", FIELDS)
def test_every_value_of_a_field_is_refused_exactly_when_the_document_refuses_it(
    client, key, document, example, field
):
    schema = record_schema(document)["properties"][field]
    for number, value in enumerate(SAMPLES):
        other = f"{field}-{number}" if field != "external_id" else value
        sent = {**example, field: value, "external_id": other}
        batches = ReceivedBatch.objects.count()
        response = push(client, key, [sent])
        if allows(schema, value, document):
            assert response.status_code == 200, (field, value, response.content)
            assert ReceivedBatch.objects.count() == batches + 1
        else:
            assert response.status_code == 400, (field, value)
            assert response.json()["error"].startswith(
                f"malformed batch: record 0 has a bad {field}"
            )
            assert ReceivedBatch.objects.count() == batches  # nothing written


@pytest.mark.django_db
@pytest.mark.parametrize("field", FIELDS)
def test_a_record_without_a_required_field_is_refused_whole(client, key, document, example, field):
    assert field in record_schema(document)["required"]
    lacking = {name: value for name, value in example.items() if name != field}
    other = {**example, "external_id": "fine"}
    response = push(client, key, [other, lacking])
    assert response.status_code == 400
    assert response.json()["error"] == f"malformed batch: record 1 lacks {field}"
    assert not ReceivedBatch.objects.exists()
    assert not PlatformRecord.objects.exists()


@pytest.mark.django_db
def test_the_batchs_bounds_and_forms_are_the_documents(client, key, document, example):
    body = body_schema(document)
    [records] = [option for option in body["anyOf"] if option.get("type") == "array"]
    smallest, largest = records["minItems"], records["maxItems"]
    many = [{**example, "external_id": f"m-{i}"} for i in range(largest + 1)]
    cases = [
        ({"records": []}, "the batch is empty"),
        ([], "the batch is empty"),
        ({"records": many}, f"at most {largest} records per batch"),
        (many, f"at most {largest} records per batch"),
        ({"items": many[:1]}, 'the body must be a list of records or {"records": [...]}'),
        ("records", 'the body must be a list of records or {"records": [...]}'),
        ([example, 5], "record 1 is not an object"),
    ]
    for payload, error in cases:
        assert not allows(body, payload, document), payload
        response = push(client, key, body=json.dumps(payload).encode())
        assert response.status_code == 400
        assert response.json() == {"error": f"malformed batch: {error}"}
    assert not ReceivedBatch.objects.exists()
    accepted = [
        many[:smallest],  # the bare list
        {"records": many[1 : largest + 1], "sent_by": "sdou"},  # other keys of the object
        [{**example, "external_id": "extra", "remark": {"any": "thing"}}],  # other fields
    ]
    for payload in accepted:
        assert allows(body, payload, document)
        response = push(client, key, body=json.dumps(payload).encode())
        assert response.status_code == 200, response.content
    stored = PlatformRecord.objects.get(external_id="extra")
    assert stored.raw["remark"] == {"any": "thing"}  # kept as it arrived
