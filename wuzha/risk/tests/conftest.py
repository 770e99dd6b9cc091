import pytest

from wuzha.orgs import services as org_services
from wuzha.orgs.models import PersonKind, Role, UnitKind
from wuzha.testing import PASSWORD


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def police(world):
    user, _ = org_services.user_invite(
        username="t_police",
        display_name="李警官",
        unit=world.county,
        role=Role.POLICE,
        password=PASSWORD,
        email="police@example.com",
    )
    return user


@pytest.fixture
def community(world):
    """A town community with two residents (the county variant)."""
    town = org_services.unit_create(
        parent=world.county, name="测试镇", kind=UnitKind.TOWN, code="T-TOWN"
    )
    unit = org_services.unit_create(
        parent=town, name="幸福社区", kind=UnitKind.COMMUNITY, code="T-COMM"
    )
    org_services.person_create(unit=unit, kind=PersonKind.RESIDENT, name="周大海")
    org_services.person_create(unit=unit, kind=PersonKind.RESIDENT, name="吴二河")
    return unit
