"""The admin site's Chinese titles and the read-only log of sensitive reads."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import SensitiveRead

admin.site.site_header = _("无诈 后台管理")
admin.site.site_title = _("无诈 后台管理")
admin.site.index_title = _("后台管理")


@admin.register(SensitiveRead)
class SensitiveReadAdmin(admin.ModelAdmin):
    """Who read which sensitive field and when; scoped staff see reads of persons in scope."""

    list_display = ["at", "user", "subject", "object_id", "field", "ip_address"]
    list_filter = ["subject", "field"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__display_name"]
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        from wuzha.orgs.models import Person

        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return queryset
        persons = Person.objects.visible_to(user)  # type: ignore[arg-type]
        return queryset.filter(subject="person", object_id__in=persons.values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
