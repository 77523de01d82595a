"""Django admin for the WeCom event store (read-only: events are what WeCom sent)."""

from django.contrib import admin

from siyu.wecom.models import CallbackEvent


@admin.register(CallbackEvent)
class CallbackEventAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "change_type", "status", "attempts", "received_at")
    list_filter = ("status", "event", "change_type")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
