"""Django admin for relationships: acquisition targets are set here until a targets page exists."""

from django.contrib import admin

from siyu.relations.models import AcquisitionTarget, ChannelCode, Friendship, SyncRun, Transfer


@admin.register(AcquisitionTarget)
class AcquisitionTargetAdmin(admin.ModelAdmin):
    list_display = ("staff", "store", "branch", "starts_on", "ends_on", "friends_per_day")
    raw_id_fields = ("staff", "store", "branch")


@admin.register(ChannelCode)
class ChannelCodeAdmin(admin.ModelAdmin):
    list_display = ("state", "kind", "store", "staff", "campaign", "active")
    raw_id_fields = ("store", "staff")
    readonly_fields = ("state", "config_id", "qr_code", "wecom_userid")


@admin.register(Friendship, Transfer, SyncRun)
class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by WeCom events and services only: visible here, never edited by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
