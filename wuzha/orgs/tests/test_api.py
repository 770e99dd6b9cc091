"""Persona matrix for the JSON API: scope 404s, token 401s, reveal 403 and its access log."""

import pytest
from django.utils import timezone

from wuzha.core.models import SensitiveRead
from wuzha.orgs import services
from wuzha.orgs.models import ApiToken, PersonKind, User

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"
STUDENT_MOBILE = "13912345678"


def token_for(user: User) -> str:
    _token, key = services.api_token_create(user=user, name="测试")
    return key


def api_get(client, user_or_key, url, **params):
    key = user_or_key if isinstance(user_or_key, str) else token_for(user_or_key)
    return client.get(f"/api/v1{url}", params, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def student_with_secrets(world):
    return services.person_update(
        person=world.student_a, id_number=ID_NUMBER, mobile=STUDENT_MOBILE
    )


class TestSchemaAndAuth:
    def test_openapi_is_public_and_lists_the_paths(self, client, db):
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        assert {
            "/api/v1/units/{code}",
            "/api/v1/units/{code}/persons",
            "/api/v1/persons/{id}",
        } <= set(paths)
        assert response.json()["components"]["securitySchemes"]["BearerToken"]["scheme"] == (
            "bearer"
        )

    def test_docs_page_is_public(self, client, db):
        assert client.get("/api/v1/docs").status_code == 200

    @pytest.mark.parametrize(
        "url", ["/units/T-SCH-A", "/units/T-SCH-A/persons", "/persons/{student}"]
    )
    def test_no_token_is_401_json_not_a_login_redirect(self, client, world, url):
        response = client.get("/api/v1" + url.format(student=world.student_a.pk))
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert response.json() == {"detail": "Unauthorized"}

    def test_unknown_token_is_401(self, client, world):
        response = api_get(client, "wz_not-a-real-token", "/units/T-SCH-A")
        assert response.status_code == 401

    def test_other_scheme_is_401(self, client, world):
        key = token_for(world.leader)
        response = client.get("/api/v1/units/T-SCH-A", headers={"Authorization": f"Token {key}"})
        assert response.status_code == 401

    def test_revoked_token_is_401(self, client, world):
        key = token_for(world.leader)
        assert api_get(client, key, "/units/T-SCH-A").status_code == 200
        ApiToken.objects.filter(user=world.leader).update(revoked_at=timezone.now())
        assert api_get(client, key, "/units/T-SCH-A").status_code == 401

    def test_deactivated_user_is_401(self, client, world):
        key = token_for(world.leader)
        services.user_set_active(user=world.leader, active=False)
        assert api_get(client, key, "/units/T-SCH-A").status_code == 401

    def test_inactive_user_with_unrevoked_token_is_401(self, client, world):
        key = token_for(world.leader)
        User.objects.filter(pk=world.leader.pk).update(is_active=False)
        assert ApiToken.objects.filter(user=world.leader, revoked_at__isnull=True).exists()
        assert api_get(client, key, "/units/T-SCH-A").status_code == 401

    def test_use_is_recorded(self, client, world):
        key = token_for(world.leader)
        api_get(client, key, "/units/T-SCH-A")
        token = ApiToken.objects.get(user=world.leader)
        assert token.last_used_at is not None

    def test_browser_session_alone_is_not_enough(self, client, world):
        client.force_login(world.leader)
        assert client.get("/api/v1/units/T-SCH-A").status_code == 401

    @pytest.mark.parametrize(
        "url", ["/units/T-SCH-A", "/units/T-SCH-A/persons", "/persons/{student}"]
    )
    def test_post_is_405(self, client, world, url):
        key = token_for(world.leader)
        response = client.post(
            "/api/v1" + url.format(student=world.student_a.pk),
            {},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 405


class TestUnitDetail:
    def test_leader_reads_school_with_children_and_counts(self, client, world):
        response = api_get(client, world.leader, "/units/T-SCH-A")
        assert response.status_code == 200
        data = response.json()
        assert data["code"] == "T-SCH-A"
        assert data["name"] == "测试实验小学"
        assert data["kind"] == "primary_school"
        assert data["kind_label"] == "小学"
        assert data["depth"] == 2
        assert data["parent_code"] is None  # the county is outside the leader's scope
        assert data["children"] == [{"code": "T-SCH-A-G3", "name": "三年级", "kind": "grade"}]
        assert data["counts"] == {
            "classes": 2,
            "students": 3,
            "staff": 0,
            "guardians": 1,
            "students_with_guardian": 1,
        }
        assert "path" not in data

    def test_parent_code_shown_when_in_scope(self, client, world):
        data = api_get(client, world.coordinator, "/units/T-SCH-A").json()
        assert data["parent_code"] == "T-COUNTY"

    def test_teacher_reads_own_class(self, client, world):
        data = api_get(client, world.teacher_a, "/units/T-SCH-A-G3-1").json()
        assert data["counts"]["students"] == 2
        assert data["counts"]["classes"] == 1

    @pytest.mark.parametrize(
        ("persona", "code"),
        [
            ("other_teacher", "T-SCH-A"),
            ("other_teacher", "T-SCH-A-G3-1"),
            ("teacher_b", "T-SCH-A-G3-1"),
            ("teacher_a", "T-SCH-A"),
            ("leader", "T-SCH-B"),
            ("outsider", "T-SCH-A"),
            ("leader", "NO-SUCH-CODE"),
        ],
    )
    def test_out_of_scope_is_404(self, client, world, persona, code):
        response = api_get(client, getattr(world, persona), f"/units/{code}")
        assert response.status_code == 404
        assert "detail" in response.json()


class TestUnitPersons:
    def test_lists_subtree_masked(self, client, world, student_with_secrets):
        response = api_get(client, world.leader, "/units/T-SCH-A/persons")
        assert response.status_code == 200
        data = response.json()
        assert data["count"] == 4
        names = sorted(item["name"] for item in data["items"])
        assert names == sorted(["王小明", "李小红", "赵小刚", "王建国"])
        row = next(item for item in data["items"] if item["id"] == world.student_a.pk)
        assert row["unit_code"] == "T-SCH-A-G3-1"
        assert row["unit_name"] == "三年级1班"
        assert row["id_number_masked"] == "110*************2X"
        assert row["mobile_masked"] == "139****5678"
        assert ID_NUMBER not in response.text
        assert STUDENT_MOBILE not in response.text
        assert "13800138000" not in response.text

    def test_filters_by_kind(self, client, world):
        data = api_get(client, world.leader, "/units/T-SCH-A/persons", kind="guardian").json()
        assert [item["name"] for item in data["items"]] == ["王建国"]
        assert data["count"] == 1

    def test_unknown_kind_is_422(self, client, world):
        response = api_get(client, world.leader, "/units/T-SCH-A/persons", kind="alien")
        assert response.status_code == 422

    def test_pages(self, client, world):
        key = token_for(world.leader)
        first = api_get(client, key, "/units/T-SCH-A/persons", page=1, page_size=2).json()
        second = api_get(client, key, "/units/T-SCH-A/persons", page=2, page_size=2).json()
        third = api_get(client, key, "/units/T-SCH-A/persons", page=3, page_size=2).json()
        assert first["count"] == second["count"] == third["count"] == 4
        ids = [i["id"] for page in (first, second, third) for i in page["items"]]
        assert len(ids) == 4 == len(set(ids))
        assert third["items"] == []

    @pytest.mark.parametrize("size", [0, 501])
    def test_page_size_is_bounded(self, client, world, size):
        response = api_get(client, world.leader, "/units/T-SCH-A/persons", page_size=size)
        assert response.status_code == 422

    def test_teacher_sees_only_own_class(self, client, world):
        data = api_get(client, world.teacher_a, "/units/T-SCH-A-G3-1/persons").json()
        assert {item["id"] for item in data["items"]} == {
            world.student_a.pk,
            world.student_a2.pk,
            world.guardian_a.pk,
        }

    @pytest.mark.parametrize(
        ("persona", "code"),
        [
            ("other_teacher", "T-SCH-A"),
            ("teacher_b", "T-SCH-A-G3-1"),
            ("teacher_a", "T-SCH-A-G3"),
            ("leader", "T-SCH-B-7-1"),
            ("outsider", "T-SCH-A-G3-1"),
        ],
    )
    def test_out_of_scope_is_404(self, client, world, persona, code):
        response = api_get(client, getattr(world, persona), f"/units/{code}/persons")
        assert response.status_code == 404

    def test_query_count_does_not_grow_with_rows(
        self, client, world, django_assert_max_num_queries
    ):
        for i in range(30):
            services.person_create(
                unit=world.class_b, kind=PersonKind.STUDENT, name=f"学生{i}", number=f"9{i:03d}"
            )
        key = token_for(world.leader)
        with django_assert_max_num_queries(6):
            response = api_get(client, key, "/units/T-SCH-A/persons", page_size=500)
        assert response.json()["count"] == 34
        assert len(response.json()["items"]) == 34


class TestPersonDetail:
    def test_teacher_reads_own_student_masked_with_guardians(
        self, client, world, student_with_secrets
    ):
        response = api_get(client, world.teacher_a, f"/persons/{world.student_a.pk}")
        assert response.status_code == 200
        data = response.json()
        assert data["name"] == "王小明"
        assert data["kind"] == "student"
        assert data["kind_label"] == "学生"
        assert data["unit_code"] == "T-SCH-A-G3-1"
        assert data["school_code"] == "T-SCH-A"
        assert data["id_number_masked"] == "110*************2X"
        assert data["mobile_masked"] == "139****5678"
        assert data["id_number"] is None and data["mobile"] is None
        assert data["guardians"] == [
            {
                "id": world.guardian_a.pk,
                "name": "王建国",
                "relation": "father",
                "relation_label": "父亲",
                "mobile_masked": "138****8000",
            }
        ]
        assert data["wards"] == []
        assert ID_NUMBER not in response.text and STUDENT_MOBILE not in response.text
        assert not SensitiveRead.objects.exists()

    def test_guardian_lists_wards_in_scope_only(self, client, world):
        services.guardian_link(
            student=world.other_student, guardian=world.guardian_a, relation="father"
        )
        data = api_get(client, world.teacher_a, f"/persons/{world.guardian_a.pk}").json()
        assert [w["id"] for w in data["wards"]] == [world.student_a.pk]
        assert data["wards"][0]["unit_code"] == "T-SCH-A-G3-1"
        everywhere = api_get(client, world.coordinator, f"/persons/{world.guardian_a.pk}").json()
        assert {w["id"] for w in everywhere["wards"]} == {
            world.student_a.pk,
            world.other_student.pk,
        }

    @pytest.mark.parametrize(
        ("persona", "person"),
        [
            ("other_teacher", "student_a"),
            ("other_teacher", "guardian_a"),
            ("teacher_b", "student_a"),
            ("teacher_b", "guardian_a"),
            ("teacher_a", "student_b"),
            ("teacher_a", "other_student"),
            ("leader", "other_student"),
            ("outsider", "student_a"),
        ],
    )
    def test_out_of_scope_is_404(self, client, world, persona, person):
        pk = getattr(world, person).pk
        response = api_get(client, getattr(world, persona), f"/persons/{pk}")
        assert response.status_code == 404

    def test_missing_person_is_404(self, client, world):
        assert api_get(client, world.coordinator, "/persons/999999").status_code == 404

    @pytest.mark.parametrize("persona", ["teacher_a", "leader", "admin"])
    def test_reveal_with_role_shows_full_values_and_logs(
        self, client, world, student_with_secrets, persona
    ):
        user = getattr(world, persona)
        response = api_get(client, user, f"/persons/{world.student_a.pk}", reveal=1)
        assert response.status_code == 200
        data = response.json()
        assert data["id_number"] == ID_NUMBER
        assert data["mobile"] == STUDENT_MOBILE
        read = SensitiveRead.objects.get()
        assert read.user == user
        assert read.subject == "person"
        assert read.object_id == world.student_a.pk
        assert read.field == "id_number,mobile"

    @pytest.mark.parametrize("persona", ["inspector", "coordinator"])
    def test_reveal_without_role_is_403(self, client, world, student_with_secrets, persona):
        response = api_get(
            client, getattr(world, persona), f"/persons/{world.student_a.pk}", reveal=1
        )
        assert response.status_code == 403
        assert ID_NUMBER not in response.text
        assert not SensitiveRead.objects.exists()

    def test_reveal_out_of_scope_is_still_404(self, client, world):
        response = api_get(client, world.other_teacher, f"/persons/{world.student_a.pk}", reveal=1)
        assert response.status_code == 404
        assert not SensitiveRead.objects.exists()

    def test_teacher_token_cannot_read_other_schools_person(self, client, world):
        """The acceptance check: a teacher's token does not reach a person of another school."""
        key = token_for(world.teacher_a)
        assert api_get(client, key, f"/persons/{world.student_a.pk}").status_code == 200
        assert api_get(client, key, f"/persons/{world.other_student.pk}").status_code == 404
