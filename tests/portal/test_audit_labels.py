"""操作日志 shows what happened in Chinese, never a raw action code.

The actions are found by reading the code: every `audit_log(action=...)` call (and any
`AuditLog.objects.create(action=...)` or `AuditLog(action=...)`, as a data migration
writes them) in the project's apps, so a new action written without a label makes this
test fail."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from portal.audit import audit_log
from portal.audit_labels import ACTION_LABELS
from tests.project import PROJECT_APPS

CJK = re.compile(r"[\u4e00-\u9fff]")


class Unresolved(Exception):
    pass


def _constants(node, scopes) -> set[str]:
    """The string values an expression can take, if it is made of literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _constants(node.body, scopes) | _constants(node.orelse, scopes)
    if isinstance(node, ast.Name):
        # A name assigned literals in the enclosing function or the module.
        values = set()
        for scope in scopes:
            for assigned in _assignments(scope, node.id):
                values |= _constants(assigned, scopes)
            if values:
                return values
        raise Unresolved(ast.unparse(node))
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        # A look-up in a module-level dict of literals.
        for scope in scopes:
            for assigned in _assignments(scope, node.value.id):
                if isinstance(assigned, ast.Dict):
                    return set().union(*(_constants(v, scopes) for v in assigned.values))
        raise Unresolved(ast.unparse(node))
    raise Unresolved(ast.unparse(node))


def _assignments(scope, name):
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                yield node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and node.value is not None
            and isinstance(node.target, ast.Name)
            and node.target.id == name
        ):
            yield node.value


def _is_audit_call(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in ("audit_log", "AuditLog")
    if isinstance(func, ast.Attribute):
        if func.attr == "audit_log":
            return True
        owner = ast.unparse(func.value)
        return func.attr == "create" and owner.endswith("AuditLog.objects")
    return False


def audit_actions_in_code() -> tuple[dict[str, list[str]], list[str]]:
    """{action: [where written]} and the calls whose action is not made of literals."""
    found: dict[str, list[str]] = {}
    unresolved = []
    root = Path(settings.BASE_DIR)
    for app in PROJECT_APPS:
        for path in sorted((root / app).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = [
                n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            for call in ast.walk(tree):
                if not isinstance(call, ast.Call) or not _is_audit_call(call):
                    continue
                where = f"{path.relative_to(root)}:{call.lineno}"
                if path.name == "audit.py" and app == "portal":
                    continue  # the helper itself passes its parameter on
                action = next((k.value for k in call.keywords if k.arg == "action"), None)
                if action is None:
                    unresolved.append(where)
                    continue
                enclosing = [
                    f for f in functions if f.lineno <= call.lineno <= (f.end_lineno or f.lineno)
                ]
                # Innermost function first, then the module.
                scopes = [*sorted(enclosing, key=lambda f: -f.lineno), tree]
                try:
                    for value in _constants(action, scopes):
                        found.setdefault(value, []).append(where)
                except Unresolved as error:
                    unresolved.append(f"{where}: {error}")
    return found, unresolved


def test_every_audit_action_in_the_code_has_a_label():
    found, unresolved = audit_actions_in_code()
    assert not unresolved, f"audit actions not written as literals: {unresolved}"
    # The walk really finds the project's actions (guards against a walk that finds none).
    assert len(found) > 40
    assert "portal.transfer.requested" in found
    assert "digital_engineer.institution.listed" in found
    missing = {action: where for action, where in found.items() if action not in ACTION_LABELS}
    assert not missing, f"audit actions without a label in portal/audit_labels.py: {missing}"


def test_no_label_for_an_action_nobody_writes():
    found, _unresolved = audit_actions_in_code()
    assert set(ACTION_LABELS) - set(found) == set()


def test_every_action_label_is_chinese():
    with translation.override("zh-hans"):
        untranslated = {
            a: str(label) for a, label in ACTION_LABELS.items() if not CJK.search(str(label))
        }
    assert not untranslated


@pytest.mark.django_db
def test_admin_audit_log_shows_chinese_labels(client, superuser, alice):
    entry = audit_log(actor=alice, action="portal.transfer.requested", transfer=1)
    client.force_login(superuser)

    listing = client.get(reverse("admin:portal_auditlog_changelist")).content.decode()
    cell = re.search(r'<td class="field-action_display">(.*?)</td>', listing)
    assert cell and cell.group(1) == "申请调动"
    # The filter offers the label too, not the code.
    assert re.search(r'\?action=portal\.transfer\.requested"[^>]*>\s*申请调动', listing)

    detail = client.get(reverse("admin:portal_auditlog_change", args=[entry.pk])).content.decode()
    assert "申请调动" in detail
    assert str(entry).endswith("申请调动")


@pytest.mark.django_db
def test_the_audit_log_changelist_offers_every_action_without_reading_the_whole_log(
    client, superuser, alice, django_assert_max_num_queries
):
    for number in range(30):
        audit_log(actor=alice, action="portal.transfer.requested", transfer=number)
    client.force_login(superuser)
    url = reverse("admin:portal_auditlog_changelist")
    # Session, user, role, two counts, the rows, two for the date hierarchy; the
    # action filter reads none (it was a DISTINCT over the whole log).
    with django_assert_max_num_queries(8) as captured:
        listing = client.get(url).content.decode()
    assert not any('"action"' in q["sql"] and "DISTINCT" in q["sql"] for q in captured)
    # An action nobody has done yet is offered too, by its label.
    assert re.search(r'\?action=portal\.account\.disabled"[^>]*>\s*停用账号', listing)
