from django.http import HttpRequest, HttpResponse


def _stub(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


switch_unit = unit_detail = unit_edit = unit_add = unit_move = person_list = person_add = _stub
person_detail = person_edit = person_reveal = staff_list = staff_invite = staff_detail = _stub
staff_set_active = staff_revoke = _stub
