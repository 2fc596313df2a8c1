from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = _("certificates")

    def ready(self):
        from certificates.file_verification import find_signed_certificate
        from certificates.registry import register_signed_kind
        from certificates.statements import STATEMENTS, held_statements
        from certificates.title_documents import TITLE_DOCUMENTS, held_title_documents

        # Annual certificates' signed PDFs are verified as files on /verify/.
        register_signed_kind("certificates.certificate", find_signed_certificate)
        # Eligibility statements and title-application documents are kinds of their
        # own beside the annual certificates: listed in 我的证书, found on /verify/ by
        # serial and name and by their signed file, flagged for provincial HR like
        # the other kinds (certificates.documents.DocumentKind.register).
        STATEMENTS.register(held=held_statements)
        TITLE_DOCUMENTS.register(held=held_title_documents)
        # Registration checks' signed PDFs are verified as files with their own
        # details (the check in brief: no names, no ID numbers).
        from certificates import registration_checks

        registration_checks.register()
