"""The UI speaks Simplified Chinese: every message has a translation."""

from pathlib import Path

import polib

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
