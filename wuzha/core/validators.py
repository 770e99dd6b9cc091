"""Validators for Chinese identifiers: 居民身份证号 (GB 11643) and mainland mobile numbers."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_number_check_digit(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def validate_id_number(value: str) -> None:
    """Raise ValidationError unless `value` is an 18-character ID with a valid date and checksum."""
    value = normalize_id_number(value)
    if not _ID_RE.match(value):
        raise ValidationError(_("身份证号应为18位，最后一位可以是数字或X"), code="id_format")
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期无效"), code="id_birthdate") from None
    if id_number_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对"), code="id_checksum")


def normalize_mobile(value: str) -> str:
    value = re.sub(r"[\s\-]", "", value.strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def validate_mobile(value: str) -> None:
    """Raise ValidationError unless `value` is an 11-digit mainland mobile number."""
    if not _MOBILE_RE.match(normalize_mobile(value)):
        raise ValidationError(_("手机号应为11位大陆手机号码，以1开头"), code="mobile")


def mask_id_number(value: str) -> str:
    """Keep the first 3 and the last 2 characters: 11010519491231002X → 110*************2X."""
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def mask_mobile(value: str) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:]


def mask_name(value: str) -> str:
    """Keep the family name: 张小明 → 张**."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)
