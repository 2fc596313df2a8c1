"""URL converters shared by the apps' url modules.

`<verification_code:code>` matches only what a verification code can be: the
URL-safe base64 alphabet of secrets.token_urlsafe (certificates.models
.new_verification_code, digital_engineer.models.new_code: 22 characters today;
the columns hold up to 32). Anything else — a NUL byte, which PostgreSQL refuses
in a text parameter, non-ASCII letters, a code of the wrong length — never reaches
a view or the database: the resolver answers 404.

`<pk:…>` is every primary key in a URL: 1 to 18 ASCII digits, so that it always
fits PostgreSQL's bigint (Django's `<int:…>` passes 20 digits on to the database,
which refuses them with a 500). `<year:…>` is a calendar year, four digits.
"""

from django.urls import register_converter


class VerificationCodeConverter:
    regex = "[A-Za-z0-9_-]{16,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PkConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class YearConverter(PkConverter):
    regex = "[0-9]{4}"


# Registered once, when the first url module imports this one.
register_converter(VerificationCodeConverter, "verification_code")
register_converter(PkConverter, "pk")
register_converter(YearConverter, "year")
