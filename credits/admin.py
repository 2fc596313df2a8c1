from django.contrib import admin

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
from portal.admin import ReadOnlyAdmin


@admin.register(YearRule)
class YearRuleAdmin(admin.ModelAdmin):
    list_display = ["year", "public_min", "professional_min"]
    search_fields = ["year"]


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
    list_display = ["person", "kind", "occurred_on", "claimed_hours", "status", "created_at"]
    list_filter = ["status", "kind", "needs_second_review"]
    search_fields = ["person__real_name", "person__id_number", "description"]
    list_select_related = ["person", "kind"]


@admin.register(OfflineUpload)
class OfflineUploadAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "unit", "uploaded_by", "status", "posted", "created_at"]
    list_filter = ["status"]
    search_fields = ["file_name", "unit__name"]
