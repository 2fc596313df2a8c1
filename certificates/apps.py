from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certificates"
    verbose_name = _("certificates")

    def ready(self):
        from certificates.file_verification import find_signed_certificate
        from certificates.registry import (
            register_blocked_provider,
            register_finder,
            register_provider,
            register_signed_kind,
        )
        from certificates.statements import (
            blocked_statements,
            find_signed_statement,
            find_statement,
            flagged_statements,
            held_statements,
        )
        from certificates.title_documents import (
            blocked_title_documents,
            find_signed_title_document,
            find_title_document,
            flagged_title_documents,
            held_title_documents,
        )

        # Annual certificates' signed PDFs are verified as files on /verify/.
        register_signed_kind("certificates.certificate", find_signed_certificate)
        # Eligibility statements and title-application documents are kinds of their
        # own beside the annual certificates: listed in 我的证书, found on /verify/ by
        # serial and name, flagged for provincial HR like the other kinds.
        register_provider(held_statements)
        register_provider(held_title_documents)
        register_finder(find_statement)
        register_finder(find_title_document)
        register_signed_kind("certificates.eligibilitystatement", find_signed_statement)
        register_signed_kind("certificates.titledocument", find_signed_title_document)
        register_blocked_provider(blocked_statements, flagged=flagged_statements)
        register_blocked_provider(blocked_title_documents, flagged=flagged_title_documents)
