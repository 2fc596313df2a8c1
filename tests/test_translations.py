"""The UI speaks Simplified Chinese: every message has a translation."""

from pathlib import Path

import polib

from tests.project import PROJECT_APPS

PO = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert po.percent_translated() == 100


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(PO)):
        for placeholder in ("%(count)d", "%(date)s", "%(chars)s", "%(role)s", "%(limit)s"):
            if placeholder in entry.msgid:
                assert placeholder in entry.msgstr, entry.msgid


# -- every message the code and templates use is in the catalogue, translated ---------

ROOT = PO.parents[3]
# Django's makemessages options for Python sources (templates become Python first).
XGETTEXT = [
    "xgettext",
    "--language=Python",
    "--from-code=UTF-8",
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
    "--output=-",
]


def _untranslated_third_party_apps():
    """Installed apps from outside Django and the project that bring no Chinese
    catalogue of their own (django-axes): what they show must come from ours."""
    from django.apps import apps

    return [
        Path(config.path)
        for config in apps.get_app_configs()
        if config.name not in PROJECT_APPS
        and not config.name.startswith("django.")
        and not (Path(config.path) / "locale" / "zh_Hans").is_dir()
    ]


def _sources():
    """The Python files (not migrations, not tests) and templates of the project and
    of the untranslated third-party apps."""
    python, templates = [], []
    for folder in [ROOT / app for app in PROJECT_APPS] + _untranslated_third_party_apps():
        for path in sorted(folder.rglob("*.py")):
            if not {"migrations", "tests"} & set(path.parts):
                python.append(path)
        templates += sorted(folder.rglob("templates/**/*.html"))
    templates += sorted((ROOT / "templates").rglob("*.html"))
    templates += sorted((ROOT / "templates").rglob("*.txt"))
    return python, templates


def extracted_messages(tmp_path) -> list:
    """What makemessages would find, extracted into `tmp_path` (never into locale/)."""
    import shutil
    import subprocess

    from django.utils.translation import templatize

    python, templates = _sources()
    converted = []
    for number, path in enumerate(templates):
        target = tmp_path / f"t{number}.py"
        source = path.read_text(encoding="utf-8")
        target.write_text(templatize(source, origin=str(path)), encoding="utf-8")
        converted.append(target)
    assert shutil.which("xgettext"), "xgettext (gettext) is needed to extract messages"
    result = subprocess.run(
        [*XGETTEXT, *map(str, python + converted)], capture_output=True, check=True
    )
    return [e for e in polib.pofile(result.stdout.decode("utf-8")) if e.msgid]


def test_every_message_in_use_is_in_the_catalogue_and_translated(tmp_path):
    po = polib.pofile(str(PO))
    catalogue = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    used = extracted_messages(tmp_path)
    assert len(used) > 500  # the extraction found the messages
    missing = []
    for entry in used:
        ours = catalogue.get((entry.msgctxt, entry.msgid))
        translated = ours is not None and (
            all(ours.msgstr_plural.values()) if entry.msgid_plural else ours.msgstr
        )
        if not translated:
            where = entry.occurrences[0][0] if entry.occurrences else "?"
            context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
            missing.append(f"{context}{entry.msgid}  ({where})")
    assert missing == []
