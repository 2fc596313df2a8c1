"""The Chinese label of every audit action the code base writes (portal.audit), shown
wherever the log is read (the Django admin's 操作日志, AuditLog.action_label).

A test walks the code for `audit_log(action=...)` and fails on an action without a
label here (tests/portal/test_audit_labels.py). Plain data, below the models: the
AuditLog model reads it, and portal.audit writes the log through the model.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    # Accounts and registration
    "portal.account.enabled": _("Account enabled"),
    "portal.account.disabled": _("Account disabled"),
    "portal.unit_hr.added": _("Unit HR administrator added"),
    "portal.registration.submitted": _("Registration submitted"),
    "portal.registration.resubmitted": _("Registration resubmitted"),
    "portal.registration.approved": _("Registration approved"),
    "portal.registration.rejected": _("Registration rejected"),
    "portal.contact.updated": _("Contact details changed"),
    "portal.person.corrected": _("Personal details corrected by HR"),
    "portal.unit.registered": _("Unit registered"),
    "portal.unit.resubmitted": _("Unit registration resubmitted"),
    "portal.unit.approved": _("Unit registration approved"),
    "portal.unit.rejected": _("Unit registration rejected"),
    "portal.unit.self_evaluating_marked": _("Unit marked as self-evaluating"),
    "portal.unit.self_evaluating_unmarked": _("Unit no longer self-evaluating"),
    "portal.base.created": _("Continuing-education base registered"),
    "portal.base.updated": _("Continuing-education base's record changed"),
    "portal.base.suspended": _("Continuing-education base suspended"),
    "portal.base.revoked": _("Continuing-education base revoked"),
    "portal.base.reactivated": _("Continuing-education base reactivated"),
    "portal.base_staff.added": _("Base staff account added"),
    "portal.base_staff.removed": _("Base staff account removed"),
    "portal.password_reset.requested": _("Password reset requested"),
    "portal.password_reset.done": _("Password reset completed"),
    # Changes of unit
    "portal.transfer.requested": _("Transfer requested"),
    "portal.transfer.accepted": _("Transfer accepted by the new unit"),
    "portal.transfer.rejected": _("Transfer rejected by the new unit"),
    "portal.transfer.objected": _("Transfer objected to by the former unit"),
    "portal.transfer.cancelled": _("Transfer withdrawn"),
    "portal.transfer.completed": _("Transfer completed"),
    # Hours
    "credits.entry.reversed": _("Credit entry reversed"),
    "credits.declaration.created": _("Activity declared"),
    "credits.declaration.approved": _("Declaration approved"),
    "credits.declaration.rejected": _("Declaration rejected"),
    "credits.declarations.handed_over": _("Declarations handed over to the new unit"),
    "credits.offline_upload.queued": _("Large offline hours file sent for checking"),
    "credits.offline_upload.previewed": _("Offline hours file checked"),
    "credits.offline_upload.confirmed": _("Offline hours registered"),
    "credits.report.requested": _("Compliance report requested"),
    "credits.report.retried": _("Compliance report tried again"),
    "credits.report.files_purged": _("Expired compliance report files deleted"),
    # Learning
    "learning.course.saved": _("Course saved"),
    "learning.course.enrolled": _("Enrolled in a course"),
    "learning.course.completed": _("Course completed"),
    "learning.question.added": _("Quiz question added"),
    "learning.question.deleted": _("Quiz question deleted"),
    "learning.session.created": _("Offline session registered"),
    "learning.session.attendance_added": _("Offline session attendees added"),
    "learning.session.closed": _("Offline session closed, hours credited"),
    "learning.plan.saved": _("Professional-subject plan saved"),
    "learning.plan.published": _("Professional-subject plan published"),
    "learning.filing.submitted": _("Filing submitted"),
    "learning.quality.nominated": _("Quality course nominated"),
    "learning.quality.reviewed": _("Quality course reviewed by an expert"),
    "learning.quality.shortlisted": _("Quality course shortlisted by the association"),
    "learning.quality.selected": _("Quality course selected"),
    "learning.quality.declined": _("Quality course not selected"),
    "learning.platform_record.reprocessed": _("Platform record processed again"),
    "learning.platform_record.reason_cleared": _(
        "Old rejection reason of a processed platform record moved to the log"
    ),
    "learning.platform_key.created": _("Platform API key created"),
    "learning.platform_key.revoked": _("Platform API key revoked"),
    "learning.platform_import.uploaded": _("Platform hours file uploaded for preview"),
    "learning.platform_import.confirmed": _("Platform hours import confirmed"),
    # Certificates
    "certificates.certificate.issued": _("Certificate issued"),
    "certificates.certificate.revoked": _("Certificate revoked"),
    "certificates.certificate.render_blocked": _("Certificate held: no font draws a character"),
    "certificates.statement.render_blocked": _(
        "Eligibility statement held: no font draws a character"
    ),
    "digital_engineer.trainingcertificate.render_blocked": _(
        "Training certificate held: no font draws a character"
    ),
    "certificates.batch.created": _("Certificate batch started"),
    "certificates.bundle.created": _("Printable certificate bundle requested"),
    "certificates.statement.issued": _("Eligibility statement issued"),
    "certificates.registration_check.run": _("Registration check run"),
    "certificates.title_document.issued": _("Title-application document issued"),
    "certificates.title_document.render_blocked": _(
        "Title-application document held: no font draws a character"
    ),
    # Digital engineers
    "digital_engineer.class.opened": _("Training class opened"),
    "digital_engineer.class.closed": _("Training class closed"),
    "digital_engineer.filing.submitted": _("Roster filing submitted"),
    "digital_engineer.filing.acknowledged": _("Roster filing acknowledged"),
    "digital_engineer.filing.returned": _("Roster filing returned"),
    "digital_engineer.certificate.revoked": _("Training certificate revoked"),
    "digital_engineer.institution.listed": _("Institution listed in the catalogue"),
    "digital_engineer.institution.suspended": _("Institution suspended"),
    "digital_engineer.institution.reinstated": _("Institution reinstated"),
    "digital_engineer.approval.granted": _("Direction and level approved"),
    "digital_engineer.approval.withdrawn": _("Direction and level withdrawn"),
    "digital_engineer.standards.changed": _("Subsidy standards changed"),
    "digital_engineer.trainee.enrolled": _("Trainee enrolled in a training class"),
    "digital_engineer.trainee.recorded": _("Trainee's hours and scores recorded"),
    "digital_engineer.trainee.records_uploaded": _("Hours and scores uploaded for a class"),
    "digital_engineer.class.commented": _("HR comment on a training class"),
    "digital_engineer.certificate.service_requested": _(
        "Holder's request for title service marked"
    ),
    "digital_engineer.certificate.service_request_cleared": _(
        "Holder's request for title service cleared"
    ),
    "digital_engineer.city_plan.saved": _("City training plan saved"),
    # Base evaluation
    "bases.evaluation.created": _("Base evaluated"),
    "bases.evaluation.changed": _("Base evaluation changed"),
    # Base trainings
    "bases.training.proposed": _("Base training proposed"),
    "bases.training.approved": _("Base training approved by its managing unit"),
    "bases.training.returned": _("Base training returned by its managing unit"),
    "bases.training.closed": _("Base training closed, hours credited"),
    "bases.trainee.enrolled": _("Enrolled in a base training"),
    "bases.trainee.listed": _("Trainees listed by a base from a file"),
    "bases.trainee.recorded": _("Base trainees' attendance and results recorded"),
}


def action_label(action: str) -> str:
    """The Chinese label of an action code; an unknown code is shown as it is."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
