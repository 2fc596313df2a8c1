from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from portal.audit_labels import ACTION_LABELS
from portal.models import (
    AuditLog,
    Authority,
    City,
    Membership,
    PastEmployment,
    ProfessionalProfile,
    TrainingInstitution,
    Transfer,
    Unit,
    User,
)

admin.site.site_header = _("Continuing education portal administration")
admin.site.site_title = _("Continuing education portal")


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("id_number", "real_name", "phone")


class PortalUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit", "authority", "city", "institution"]


class ProfileInline(admin.StackedInline):
    model = ProfessionalProfile
    can_delete = False
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PortalUserChangeForm
    add_form = UserCreationForm
    inlines = [ProfileInline, MembershipInline]
    list_display = ["real_name", "masked_id_number", "phone", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "memberships__role", "profile__unit__city"]
    search_fields = ["real_name", "id_number", "phone"]
    ordering = ["real_name"]
    fieldsets = (
        (None, {"fields": ("id_number", "password")}),
        (_("Personal information"), {"fields": ("real_name", "phone", "email")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("id_number", "real_name", "phone", "password1", "password2"),
            },
        ),
    )

    @admin.display(description=_("ID card number"))
    def masked_id_number(self, obj):
        return obj.masked_id_number


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_province_direct"]
    list_filter = ["is_province_direct"]
    search_fields = ["name", "code"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name"]
    search_fields = ["name", "short_name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "credit_code",
        "city",
        "authority",
        "is_province_direct",
        "is_self_evaluating",
        "status",
    ]
    list_filter = ["status", "city", "authority", "is_province_direct", "is_self_evaluating"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["city", "authority"]


@admin.register(TrainingInstitution)
class TrainingInstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "city"]
    list_filter = ["city"]
    search_fields = ["name", "credit_code"]


@admin.register(ProfessionalProfile)
class ProfessionalProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "status", "title_series", "title_level", "title_obtained_on"]
    list_filter = ["status", "title_series", "title_level", "unit__city"]
    search_fields = ["user__real_name", "user__id_number", "unit__name", "specialty"]
    autocomplete_fields = ["user", "unit"]
    list_select_related = ["user", "unit"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "authority", "city", "institution"]
    list_filter = ["role", "city", "authority"]
    search_fields = ["user__real_name", "user__id_number", "unit__name"]
    autocomplete_fields = ["user", "unit", "authority", "city", "institution"]
    list_select_related = ["user", "unit", "authority", "city", "institution"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records nobody may rewrite (the audit log, the ledger): look, never write."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditActionFilter(admin.SimpleListFilter):
    """Filter by action, listed by its Chinese label rather than its code. The choices
    are the actions the code writes (portal.audit_labels.ACTION_LABELS), not a DISTINCT over
    the whole log on every page load."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        labels = ((code, str(label)) for code, label in ACTION_LABELS.items())
        return sorted(labels, key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action_display", "actor"]
    list_filter = [AuditActionFilter]
    search_fields = ["action", "actor__real_name"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    fields = ["created_at", "action_display", "action_code", "actor", "payload"]
    readonly_fields = ["action_display", "action_code"]

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, obj):
        return obj.action_label

    @admin.display(description=_("action code"))
    def action_code(self, obj):
        return obj.action


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    """Transfers change state only through their workflow (portal.transfers)."""

    list_display = ["person", "from_unit", "to_unit", "status", "requested_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["person__real_name", "person__id_number"]
    list_select_related = ["person", "from_unit", "to_unit"]


@admin.register(PastEmployment)
class PastEmploymentAdmin(ReadOnlyAdmin):
    list_display = ["person", "unit", "started_on", "ended_at"]
    search_fields = ["person__real_name", "unit__name"]
    list_select_related = ["person", "unit"]
