from django.contrib import admin

from digital_engineer.models import Approval, InstitutionState, Standard, TrainingClass


@admin.register(InstitutionState)
class InstitutionStateAdmin(admin.ModelAdmin):
    list_display = ["institution", "status"]
    list_filter = ["status"]
    search_fields = ["institution__name"]


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ["institution", "direction", "level"]
    list_filter = ["direction", "level"]
    search_fields = ["institution__name"]


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["direction", "level", "training_hours", "subsidy"]
    list_filter = ["level"]
    list_editable = ["training_hours", "subsidy"]


@admin.register(TrainingClass)
class TrainingClassAdmin(admin.ModelAdmin):
    list_display = ["name", "institution", "direction", "level", "city", "ends_on", "status"]
    list_filter = ["direction", "level", "status", "city"]
    search_fields = ["name", "institution__name"]
