"""Roster pages: upload → dry-run preview → import or discard; the template; the export."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wuzha.core.services import sensitive_read_log

from . import access, roster
from .access import request_user as _user
from .models import ROSTER_EDITORS, SENSITIVE_READERS, OrgUnit, RosterImport, User

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TOO_LARGE_FLAG = "_roster_upload_too_large"


def _max_bytes() -> int:
    return int(settings.ROSTER_UPLOAD_MAX_BYTES)


def _too_large_message() -> str:
    return _("文件过大：最大 %(mb)s MB。请删除无关的工作表或分成几个文件导入。") % {
        "mb": round(_max_bytes() / 1024 / 1024, 1)
    }


class _SizeLimitHandler(FileUploadHandler):
    """Drop an upload as soon as it is known to exceed the limit, before it is written anywhere."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        self.request_length = content_length

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        # The body holds a few hundred bytes of form fields besides the file.
        if getattr(self, "request_length", 0) > _max_bytes() + 64 * 1024:
            self._refuse()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > _max_bytes():
            self._refuse()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

    def _refuse(self) -> None:
        setattr(self.request, _TOO_LARGE_FLAG, True)
        raise SkipFile


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("名册文件"),
        help_text=gettext_lazy("支持 .xlsx 和 .csv（UTF-8 或 GBK 编码），表头可在前5行"),
        error_messages={
            "required": gettext_lazy("请选择要上传的名册文件"),
            "empty": gettext_lazy("上传的文件是空的"),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > _max_bytes():
            raise forms.ValidationError(_too_large_message())
        suffix = Path(upload.name or "").suffix.lower()
        head = upload.read(8)
        upload.seek(0)
        if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
            raise forms.ValidationError(
                _("不支持旧版 Excel（.xls）文件，请在 Excel 或 WPS 中“另存为” .xlsx 后再上传")
            )
        if suffix not in {".xlsx", ".csv"}:
            raise forms.ValidationError(_("只能上传 .xlsx 或 .csv 文件"))
        if suffix == ".xlsx" and not head.startswith(b"PK"):
            raise forms.ValidationError(
                _("文件内容不是有效的 .xlsx 表格，请用 Excel 或 WPS 另存为 .xlsx 后再上传")
            )
        if suffix == ".csv" and head.startswith(b"PK"):
            raise forms.ValidationError(
                _("文件扩展名是 .csv，但内容是 Excel 表格，请把扩展名改为 .xlsx")
            )
        return upload


class RosterCommitForm(forms.Form):
    action = forms.ChoiceField(choices=[("import", "import"), ("discard", "discard")])
    all_or_nothing = forms.BooleanField(required=False, label=gettext_lazy("有错误时全部不导入"))


def _get_import_for_user(user: User, token: str) -> RosterImport:
    """The upload with `token` if the user may see its unit (404) and edit its roster (403)."""
    item: RosterImport = get_object_or_404(
        RosterImport.objects.select_related("unit", "uploaded_by"),
        token=token,
        unit__in=OrgUnit.objects.visible_to(user),
    )
    if not access.can_edit_roster(user, item.unit):
        raise PermissionDenied
    return item


@csrf_exempt
@require_http_methods(["GET", "POST"])
def roster_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Upload a roster file and dry-run it; the CSRF check follows once the size guard is set."""
    unit = access.get_unit_for_user(_user(request), code, roles=ROSTER_EDITORS)
    # Upload handlers must be in place before anything reads the body, CSRF included.
    request.upload_handlers.insert(0, _SizeLimitHandler(request))
    return _roster_upload(request, unit)


@csrf_protect
def _roster_upload(request: HttpRequest, unit: OrgUnit) -> HttpResponse:
    form = RosterUploadForm()
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if getattr(request, _TOO_LARGE_FLAG, False):
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error("file", _too_large_message())
        elif form.is_valid():
            try:
                item = roster.roster_import_upload(
                    unit=unit, user=_user(request), uploaded=form.cleaned_data["file"]
                )
            except roster.RosterFileError as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("orgs:roster_preview", token=item.token)
    recent = RosterImport.objects.filter(unit=unit).select_related("uploaded_by")[:5]
    return render(
        request,
        "orgs/roster_upload.html",
        {"unit": unit, "form": form, "recent": recent, "max_mb": round(_max_bytes() / 2**20, 1)},
    )


@require_GET
def roster_preview(request: HttpRequest, token: str) -> HttpResponse:
    """The dry-run result of an upload: counts, every error, warnings and a sample of rows."""
    item = _get_import_for_user(_user(request), token)
    summary = item.summary
    return render(
        request,
        "orgs/roster_preview.html",
        {
            "item": item,
            "unit": item.unit,
            "summary": summary,
            "hidden_errors": max(summary.get("error_count", 0) - len(summary.get("errors", [])), 0),
            "hidden_warnings": max(
                summary.get("warning_count", 0) - len(summary.get("warnings", [])), 0
            ),
            "form": RosterCommitForm(),
        },
    )


@require_POST
def roster_commit(request: HttpRequest, token: str) -> HttpResponse:
    """Import the valid rows, or none of them; a second submit finds the upload already done."""
    item = _get_import_for_user(_user(request), token)
    form = RosterCommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择“导入”或“全部不导入”"))
        return redirect("orgs:roster_preview", token=item.token)
    if form.cleaned_data["action"] == "discard":
        item = roster.roster_import_discard(item=item)
        if item.status == RosterImport.Status.DISCARDED:
            messages.success(request, _("已放弃本次导入，没有导入任何数据"))
        return redirect("orgs:roster_preview", token=item.token)
    outcome = roster.roster_import_commit(
        item=item, all_or_nothing=form.cleaned_data["all_or_nothing"]
    )
    result = outcome.result
    if result is None:
        messages.info(
            request,
            _("这份名册已经处理过（%(status)s），没有重复导入")
            % {"status": outcome.item.get_status_display()},
        )
    elif result.imported:
        messages.success(
            request,
            _("导入完成：新增 %(created)d 人，更新 %(updated)d 人，%(skipped)d 行有错误未导入")
            % {"created": result.created, "updated": result.updated, "skipped": result.error_rows},
        )
    elif result.errors and form.cleaned_data["all_or_nothing"]:
        messages.error(
            request,
            _("有 %(n)d 行存在错误，按“有错误时全部不导入”的要求，没有导入任何数据")
            % {"n": result.error_rows},
        )
    else:
        messages.error(request, _("没有可以导入的有效行，请修改表格后重新上传"))
    return redirect("orgs:roster_preview", token=outcome.item.token)


@require_GET
def roster_template(request: HttpRequest) -> HttpResponse:
    """The import template: headers, one example row, and a 说明 sheet."""
    response = HttpResponse(roster.roster_template_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _attachment("名册导入模板.xlsx")
    return response


@require_GET
def roster_export(request: HttpRequest, code: str) -> HttpResponse:
    """The students and guardians of a visible unit; ID and phone numbers masked unless allowed."""
    user = _user(request)
    unit = access.get_unit_for_user(user, code)
    unmasked = access.has_role(user, unit, SENSITIVE_READERS)
    if unmasked:
        sensitive_read_log(
            request=request,
            subject="orgs.roster_export",
            object_id=unit.pk,
            field="id_number,mobile",
        )
    content = roster.roster_export_xlsx(unit, unmasked=unmasked)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = _attachment(f"{unit.name}名册{stamp}.xlsx")
    return response


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"roster.xlsx\"; filename*=UTF-8''{quote(filename)}"
