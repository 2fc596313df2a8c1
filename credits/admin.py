from django.contrib import admin, messages
from django.utils.translation import gettext as _

from credits.models import (
    ActivityKind,
    CreditEntry,
    Declaration,
    OfflineUpload,
    PersonYearTotal,
    ReviewPeriodRule,
    SecondReviewSetting,
    YearRule,
)
from credits.selectors import entries_in_year
from portal.admin import ReadOnlyAdmin


@admin.register(YearRule)
class YearRuleAdmin(admin.ModelAdmin):
    """A year's rule judges the hours already recorded for it: once the ledger has
    entries for a year, its rule can be corrected but neither deleted nor moved to
    another year."""

    list_display = ["year", "public_min", "professional_min"]
    search_fields = ["year"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and entries_in_year(obj.year):
            return ["year"]
        return []

    def get_deleted_objects(self, objs, request):
        # Listing the refusal as a "protected object" makes Django's own delete page
        # (single and bulk) refuse and say why, with no confirm button.
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected)
        for rule in objs:
            count = entries_in_year(rule.year)
            if count:
                facts = {"year": rule.year, "count": count}
                protected.append(_("%(count)s credit entries of %(year)s") % facts)
                messages.error(
                    request,
                    _(
                        "The rule of %(year)s cannot be deleted: %(count)s credit entries "
                        "are judged by it. Correct its minimum hours instead."
                    )
                    % facts,
                )
        return deleted, model_count, perms_needed, protected


@admin.register(ReviewPeriodRule)
class ReviewPeriodRuleAdmin(admin.ModelAdmin):
    list_display = ["title_level", "max_years"]


@admin.register(ActivityKind)
class ActivityKindAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "hours_per_unit",
        "unit_label",
        "bonus_hours",
        "cap_per_year",
        "evidence_required",
        "active",
        "order",
    ]
    list_filter = ["category", "active"]
    search_fields = ["name", "code"]
    list_editable = ["order", "active"]


@admin.register(SecondReviewSetting)
class SecondReviewSettingAdmin(admin.ModelAdmin):
    list_display = ["authority", "requires_second_review"]
    list_filter = ["requires_second_review"]
    search_fields = ["authority__name"]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "person", "year", "category", "hours", "source", "recorded_at"]
    list_filter = ["year", "category", "source"]
    search_fields = ["person__real_name", "person__id_number", "source_ref"]
    list_select_related = ["person"]
    show_full_result_count = False


@admin.register(PersonYearTotal)
class PersonYearTotalAdmin(ReadOnlyAdmin):
    list_display = ["person", "year", "public_hours", "professional_hours"]
    list_filter = ["year"]
    search_fields = ["person__real_name", "person__id_number"]
    list_select_related = ["person"]


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ["person", "kind", "occurred_on", "claimed_hours", "shown_status", "created_at"]
    list_filter = ["status", "kind", "needs_second_review"]
    search_fields = ["person__real_name", "person__id_number", "description"]
    list_select_related = ["person", "kind"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_review_facts()

    @admin.display(description=Declaration._meta.get_field("status").verbose_name)
    def shown_status(self, declaration):
        return declaration.status_label  # 已冲销 where the credit was reversed


@admin.register(OfflineUpload)
class OfflineUploadAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "unit", "uploaded_by", "status", "posted", "created_at"]
    list_filter = ["status"]
    search_fields = ["file_name", "unit__name"]
