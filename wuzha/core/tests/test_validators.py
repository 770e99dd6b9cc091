import pytest
from django.core.exceptions import ValidationError

from wuzha.core.validators import (
    id_number_check_digit,
    mask_id_number,
    mask_mobile,
    mask_name,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)


def test_check_digit_matches_the_standard_example():
    # GB 11643-1999 appendix example: 11010519491231002X.
    assert id_number_check_digit("11010519491231002") == "X"
    validate_id_number("11010519491231002X")
    validate_id_number("11010519491231002x")  # lower-case x is normalised


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491231002", "id_format"),
        ("1101051949123100AX", "id_format"),
        ("110105194913310027", "id_birthdate"),
    ],
)
def test_bad_id_numbers(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == code


@pytest.mark.parametrize("value", ["13800138000", "+86 138-0013-8000", "0086 19912345678"])
def test_good_mobiles(value):
    validate_mobile(value)


@pytest.mark.parametrize("value", ["12800138000", "1380013800", "010-12345678", "138001380001"])
def test_bad_mobiles(value):
    with pytest.raises(ValidationError):
        validate_mobile(value)


def test_masks():
    assert mask_id_number("11010519491231002X") == "110*************2X"
    assert mask_mobile("13800138000") == "138****8000"
    assert mask_name("张小明") == "张**"
    assert normalize_mobile("+86 138 0013 8000") == "13800138000"
