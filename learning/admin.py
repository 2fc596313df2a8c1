from django.contrib import admin

from learning.models import Platform, PlatformRecord
from portal.admin import ReadOnlyAdmin


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]


@admin.register(PlatformRecord)
class PlatformRecordAdmin(ReadOnlyAdmin):
    list_display = ["platform", "external_id", "name", "hours", "outcome", "year"]
    list_filter = ["platform", "outcome", "year"]
    search_fields = ["external_id", "id_number", "name"]
    list_select_related = ["platform"]
    show_full_result_count = False
