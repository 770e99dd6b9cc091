"""Read endpoints for units and persons, authorised by personal API tokens and unit scope.

A unit or person outside the token owner's subtrees is a 404, exactly as in the web pages.
Sensitive fields are masked; `?reveal=1` shows them in full to the roles that need them and
logs the read.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from wuzha.core.services import sensitive_read_log

from . import access
from .access import request_user as _user
from .models import OrgUnit, Person, PersonKind, User
from .selectors import unit_persons, unit_subtree_counts
from .services import api_token_authenticate

MAX_PAGE_SIZE = 500


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` with a personal token; sets `request.user` to its owner."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


router = Router(tags=["组织与人员"])


class UnitRefOut(Schema):
    code: str = Field(description="单位代码")
    name: str = Field(description="名称")
    kind: str = Field(description="类型")


class UnitCountsOut(Schema):
    classes: int = Field(description="班级数")
    students: int = Field(description="在册学生数")
    staff: int = Field(description="在册教职工数")
    guardians: int = Field(description="在册家长/监护人数")
    students_with_guardian: int = Field(description="已关联家长的学生数")


class UnitOut(Schema):
    code: str = Field(description="单位代码，全局唯一")
    name: str = Field(description="名称")
    full_name: str = Field(description="含上级单位的全称（县级以下）")
    kind: str = Field(description="类型代码")
    kind_label: str = Field(description="类型名称")
    parent_code: str | None = Field(description="上级单位代码；上级不在令牌范围内时为空")
    depth: int = Field(description="在组织树中的层级，根为 1")
    population: int | None = Field(description="人口数（没有花名册的单位）")
    is_active: bool = Field(description="是否启用")
    children: list[UnitRefOut] = Field(description="直属下级单位")
    counts: UnitCountsOut = Field(description="本单位及全部下级单位的统计")


class PersonRowOut(Schema):
    id: int = Field(description="人员编号")
    name: str = Field(description="姓名")
    kind: str = Field(description="类别代码")
    gender: str = Field(description="性别：M 男，F 女，空为未填")
    number: str = Field(description="学号/工号")
    unit_code: str = Field(description="所属单位代码")
    unit_name: str = Field(description="所属单位名称")
    id_number_masked: str = Field(description="身份证号（脱敏）")
    mobile_masked: str = Field(description="手机号（脱敏）")


class PersonPageOut(Schema):
    count: int = Field(description="符合条件的总人数")
    page: int = Field(description="当前页码，从 1 开始")
    page_size: int = Field(description="每页人数")
    items: list[PersonRowOut] = Field(description="本页人员")


class PersonListQuery(Schema):
    kind: PersonKind | None = Field(None, description="只列出该类别的人员")
    page: int = Field(1, ge=1, description="页码，从 1 开始")
    page_size: int = Field(100, ge=1, le=MAX_PAGE_SIZE, description="每页人数，最多 500")


class GuardianOut(Schema):
    id: int = Field(description="家长人员编号")
    name: str = Field(description="姓名")
    relation: str = Field(description="关系代码")
    relation_label: str = Field(description="关系名称")
    mobile_masked: str = Field(description="手机号（脱敏）")


class WardOut(Schema):
    id: int = Field(description="学生人员编号")
    name: str = Field(description="姓名")
    relation: str = Field(description="关系代码")
    relation_label: str = Field(description="关系名称")
    unit_code: str = Field(description="学生所属单位代码")
    unit_name: str = Field(description="学生所属单位名称")


class PersonOut(Schema):
    id: int = Field(description="人员编号")
    name: str = Field(description="姓名")
    kind: str = Field(description="类别代码")
    kind_label: str = Field(description="类别名称")
    gender: str = Field(description="性别：M 男，F 女，空为未填")
    number: str = Field(description="学号/工号")
    is_active: bool = Field(description="是否在册")
    unit_code: str = Field(description="所属单位代码")
    unit_name: str = Field(description="所属单位名称")
    school_code: str | None = Field(description="所属学校代码")
    id_number_masked: str = Field(description="身份证号（脱敏）")
    mobile_masked: str = Field(description="手机号（脱敏）")
    id_number: str | None = Field(
        None, description="完整身份证号；仅在 reveal=1 且角色有权查看时返回，并记录查看日志"
    )
    mobile: str | None = Field(
        None, description="完整手机号；仅在 reveal=1 且角色有权查看时返回，并记录查看日志"
    )
    guardians: list[GuardianOut] = Field(description="学生的家长/监护人")
    wards: list[WardOut] = Field(description="家长的被监护学生（仅令牌范围内的）")


class PersonDetailQuery(Schema):
    reveal: bool = Field(False, description="为真时返回完整身份证号和手机号（需相应角色）")


class ErrorOut(Schema):
    detail: str = Field(description="错误说明")


@router.get(
    "/units/{code}",
    response={200: UnitOut, 404: ErrorOut},
    summary="单位详情",
    description="单位及其直属下级和统计数。不在令牌所属用户范围内的单位返回 404。",
)
def unit_detail(request: HttpRequest, code: str) -> UnitOut:
    user = _user(request)
    unit = access.get_unit_for_user(user, code)
    total, rows = unit_subtree_counts(unit)
    parent_code = None
    if unit.depth > 1:
        parent_code = (
            OrgUnit.objects.visible_to(user)
            .filter(path=unit.path[: -unit.steplen])
            .values_list("code", flat=True)
            .first()
        )
    return UnitOut(
        code=unit.code,
        name=unit.name,
        full_name=unit.full_name(),
        kind=unit.kind,
        kind_label=unit.get_kind_display(),
        parent_code=parent_code,
        depth=unit.depth,
        population=unit.population,
        is_active=unit.is_active,
        children=[
            UnitRefOut(code=row.unit.code, name=row.unit.name, kind=row.unit.kind) for row in rows
        ],
        counts=UnitCountsOut(
            classes=total.classes,
            students=total.students,
            staff=total.staff,
            guardians=total.guardians,
            students_with_guardian=total.students_with_guardian,
        ),
    )


@router.get(
    "/units/{code}/persons",
    response={200: PersonPageOut, 404: ErrorOut},
    summary="单位人员名单",
    description="单位及全部下级单位的在册人员，分页返回；身份证号和手机号一律脱敏。",
)
def unit_person_list(
    request: HttpRequest, code: str, filters: Query[PersonListQuery]
) -> PersonPageOut:
    unit = access.get_unit_for_user(_user(request), code)
    persons = unit_persons(unit, kind=filters.kind)
    offset = (filters.page - 1) * filters.page_size
    items = [
        PersonRowOut(
            id=p.pk,
            name=p.name,
            kind=p.kind,
            gender=p.gender,
            number=p.number,
            unit_code=p.unit.code,
            unit_name=p.unit.name,
            id_number_masked=p.id_number_masked,
            mobile_masked=p.mobile_masked,
        )
        for p in persons[offset : offset + filters.page_size]
    ]
    return PersonPageOut(
        count=persons.count(), page=filters.page, page_size=filters.page_size, items=items
    )


@router.get(
    "/persons/{id}",
    response={200: PersonOut, 403: ErrorOut, 404: ErrorOut},
    summary="人员详情",
    description=(
        "人员信息及其家长/被监护学生，敏感字段默认脱敏。reveal=1 时对有权角色返回完整身份证号"
        "和手机号并记录查看日志，无权角色返回 403。范围外的人员返回 404。"
    ),
)
def person_detail(request: HttpRequest, id: int, params: Query[PersonDetailQuery]) -> PersonOut:
    user = _user(request)
    person = access.get_person_for_user(user, id)
    revealed: dict[str, str | None] = {"id_number": None, "mobile": None}
    if params.reveal:
        if not access.can_read_sensitive(user, person):
            raise HttpError(403, _("您的角色无权查看完整的身份证号和手机号"))
        sensitive_read_log(
            request=request, subject="person", object_id=person.pk, field="id_number,mobile"
        )
        revealed = {"id_number": person.id_number, "mobile": person.mobile}
    guardians = [
        GuardianOut(
            id=link.guardian.pk,
            name=link.guardian.name,
            relation=link.relation,
            relation_label=link.get_relation_display(),
            mobile_masked=link.guardian.mobile_masked,
        )
        for link in person.guardianships.select_related("guardian").order_by("pk")
    ]
    # A guardian may also have a ward in another school; only wards in scope are listed.
    visible_students = Person.objects.visible_to(user).filter(kind=PersonKind.STUDENT)
    wards = [
        WardOut(
            id=link.student.pk,
            name=link.student.name,
            relation=link.relation,
            relation_label=link.get_relation_display(),
            unit_code=link.student.unit.code,
            unit_name=link.student.unit.name,
        )
        for link in person.wards.filter(student__in=visible_students)
        .select_related("student__unit")
        .order_by("pk")
    ]
    return PersonOut(
        id=person.pk,
        name=person.name,
        kind=person.kind,
        kind_label=person.get_kind_display(),
        gender=person.gender,
        number=person.number,
        is_active=person.is_active,
        unit_code=person.unit.code,
        unit_name=person.unit.name,
        school_code=person.school.code if person.school else None,
        id_number_masked=person.id_number_masked,
        mobile_masked=person.mobile_masked,
        guardians=guardians,
        wards=wards,
        **revealed,
    )
