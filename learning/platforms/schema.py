"""The shape of a pushed batch, defined once: the pydantic models below both check a
push's body (`validate_batch`, before anything is written) and are the schemas of
/api/openapi.json (`body_json_schema`).

Two levels, as the endpoint has always had them:
- the shape (this module): the body is a list of records or {"records": [...]}, 1 to
  MAX_RECORDS of them, each an object with all seven fields of the JSON types below.
  A body that breaks it is refused whole: 400, nothing stored;
- the content (services.check_record): hours within 0.5–100, a category word, a past
  completion time of a year with a rule, a valid and known ID number whose person has
  this name. A record that breaks it is stored as it arrived and answered "rejected"
  with its reason; the rest of the batch is credited.
The field descriptions say which content rules apply; the schema does not enforce
them, so that the document says exactly what is refused with 400.
"""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from credits.models import Category
from portal.actions import Refused

MAX_RECORDS = 1000
MIN_HOURS, MAX_HOURS = Decimal("0.5"), Decimal(100)
# The words a record may name its category with (case as written).
CATEGORY_WORDS = {
    "public": Category.PUBLIC,
    "公需": Category.PUBLIC,
    "公需科目": Category.PUBLIC,
    "professional": Category.PROFESSIONAL,
    "专业": Category.PROFESSIONAL,
    "专业科目": Category.PROFESSIONAL,
}
# A record that is credited once its person is registered under this ID number and
# name (the ID number is a valid one reserved for examples).
EXAMPLE_RECORD = {
    "external_id": "P-2025-000001",
    "id_number": "11010519491231002X",
    "name": "张三",
    "course_title": "黄河流域生态保护和高质量发展",
    "hours": 2.5,
    "category": "public",
    "completed_at": "2025-03-18T10:00:00+08:00",
}


class MalformedBatch(Refused):
    """A body that is not a batch of records (see the module's docstring): 400, nothing
    written. The message, in English for the platform's developers, names the first
    record and field at fault."""


class CompletionRecord(BaseModel):
    """One completion of one course by one person, as a platform sends it. Other keys
    are allowed and kept with the record as it arrived."""

    model_config = ConfigDict(
        strict=True,  # no coercion: the JSON types are the ones documented
        extra="allow",
        json_schema_extra={"examples": [EXAMPLE_RECORD]},
    )

    external_id: Annotated[str, Field(min_length=1)] | int = Field(
        description=(
            "The platform's own id of the record, unique per platform: a second record "
            "with it is a duplicate and credits nothing. At most 100 characters; a blank "
            "or longer one is rejected."
        ),
        examples=["P-2025-000002", 1001],
    )
    id_number: str = Field(
        description=(
            "居民身份证号码 (18 characters; full-width digits and spaces are read). The "
            "person must be registered on the portal, else the record is rejected."
        ),
        examples=["11010519491231002X"],
    )
    name: str = Field(
        description=(
            "The person's name; must match the registered person of id_number (spaces, "
            "full width and middle-dot look-alikes aside), else the record is rejected."
        ),
        examples=["张三"],
    )
    course_title: str = Field(
        description="Stored with the hours, at most 200 characters (longer is cut).",
        examples=["黄河流域生态保护和高质量发展"],
    )
    hours: float | str = Field(
        description=(
            f"Class hours, {MIN_HOURS} to {MAX_HOURS} in steps of 0.1: a number or a "
            "decimal numeral as text. Other values are rejected."
        ),
        examples=[2.5, 6, "1.5"],
    )
    category: str = Field(
        description=(
            "The subject category: one of "
            + ", ".join(f'"{word}"' for word in CATEGORY_WORDS)
            + ". Other values are rejected."
        ),
        examples=list(CATEGORY_WORDS),
    )
    completed_at: str = Field(
        description=(
            "When the course was completed: an ISO 8601 date-time (without an offset: "
            "Beijing time) or a date (then noon). It must not be in the future, and its "
            "year must have a rule of required hours; else the record is rejected."
        ),
        examples=["2025-03-18T10:00:00+08:00", "2025-03-18T10:00:00", "2025-03-18"],
    )


Records = Annotated[list[CompletionRecord], Field(min_length=1, max_length=MAX_RECORDS)]


class CompletionBatch(BaseModel):
    """A batch as an object; other keys than `records` are ignored."""

    model_config = ConfigDict(strict=True, extra="allow")

    records: Records


# The body: the object form or the bare list of records.
BODY = TypeAdapter(CompletionBatch | Records)
_RECORDS = TypeAdapter(Records)
FIELDS = tuple(CompletionRecord.model_fields)
SHAPE = 'the body must be a list of records or {"records": [...]}'


def validate_batch(payload: Any) -> list[dict]:
    """The records of a decoded JSON body, as they arrived (the dicts themselves, for
    storing unchanged), after checking the body against the schema of BODY.

    Raises MalformedBatch, whose message names the first fault: the body's shape, an
    empty or too long batch, or the first record at fault (not an object, the fields it
    lacks, or a field of the wrong JSON type)."""
    if isinstance(payload, dict):
        records, prefix = payload.get("records"), ("records",)
        validate = CompletionBatch.model_validate
    elif isinstance(payload, list):
        records, prefix, validate = payload, (), _RECORDS.validate_python
    else:
        raise MalformedBatch(SHAPE)
    try:
        validate(payload)
    except ValidationError as error:
        raise MalformedBatch(_message(error.errors(include_url=False), prefix)) from None
    return records


def _message(errors: list[dict], prefix: tuple) -> str:
    """One sentence for the first fault pydantic found (errors come in body order)."""
    for error in errors:
        loc = error["loc"][len(prefix) :]
        if not loc:
            if error["type"] == "too_short":
                return "the batch is empty"
            if error["type"] == "too_long":
                return f"at most {MAX_RECORDS} records per batch"
            return SHAPE
    first = errors[0]["loc"][len(prefix)]
    mine = [e for e in errors if e["loc"][len(prefix)] == first]
    if any(e["type"] == "model_type" for e in mine):
        return f"record {first} is not an object"
    missing = [e["loc"][len(prefix) + 1] for e in mine if e["type"] == "missing"]
    if missing:
        return f"record {first} lacks {', '.join(missing)}"
    field = mine[0]["loc"][len(prefix) + 1]
    return f"record {first} has a bad {field}: must be {_expected(field)}"


def _expected(field: str) -> str:
    """What the schema allows for a field, in words ("string or integer")."""
    schema = CompletionRecord.model_json_schema()["properties"][field]
    options = schema.get("anyOf", [schema])
    words = []
    for option in options:
        word = option["type"]
        if option.get("minLength"):
            word += f" of at least {option['minLength']} character"
        words.append(word)
    return " or ".join(words)


def body_json_schema(ref_template: str) -> tuple[dict, dict]:
    """The request body's JSON Schema (2020-12, as OpenAPI 3.1 takes it) and the named
    schemas it refers to (model name → schema), with refs written by `ref_template`
    (e.g. "#/components/schemas/{model}")."""
    schema = BODY.json_schema(ref_template=ref_template)
    return schema, schema.pop("$defs", {})
