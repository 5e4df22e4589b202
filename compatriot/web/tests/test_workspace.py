"""The operator workspace through Django's client: scope, search by POST, forms with the API's
validation, dashboard counts, organisation members."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from compatriot.core.models import AuditEntry, Membership, Role
from compatriot.people.models import Household, Person

pytestmark = pytest.mark.django_db

MEMBER = "members-{index}-{field}"
# The registry page: session, user, memberships, crises, count, page, 3 prefetches, audit (PostgreSQL
# adds the audit chain lock) and the rest of the workspace; it must not grow with the people listed.
QUERIES = 17


def household_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "label": "",
        "country": "PL",
        "admin_area": "Mazowieckie",
        "place_name": "Warszawa",
        "phone": "+48 601 234 567",
        "journey_stage": "in_transit",
        "category": "student",
        "consent_registration": "on",
        "members-TOTAL_FORMS": "5",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "12",
    }
    people = [
        ("Олена", "Коваленко", "head", "female", "1985"),
        ("Chidi", "Okafor", "spouse", "male", "1983-05"),
        ("Ada", "Okafor", "child", "female", "2015-02-01"),
    ]
    for index in range(5):
        given, family, relationship, sex, birth = (
            people[index] if index < len(people) else ("", "", "head", "unknown", "")
        )
        for field, value in {
            "given_name": given,
            "family_name": family,
            "relationship": relationship,
            "sex": sex,
            "birth_date": birth,
            "nationality": "NG" if given else "",
        }.items():
            data[MEMBER.format(index=index, field=field)] = value
    data[MEMBER.format(index=2, field="vulnerabilities")] = ["separated_child"]
    data[MEMBER.format(index=0, field="needs")] = ["shelter"]
    data.update(overrides)
    return data


def test_pages_need_sign_in(client: Client) -> None:
    response = client.get("/workspace/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_household_of_three_is_registered_with_its_details(
    web_client: Any, org_a: Any, crisis: Any
) -> None:
    client = web_client(org_a)
    response = client.post("/workspace/households/new/", household_post())
    assert response.status_code == 302
    household = Household.objects.get()
    members = {p.given_name: p for p in Person.objects.filter(household=household)}
    assert sorted(members) == ["Ada", "Chidi", "Олена"]
    assert members["Олена"].family_name_latin == "Kovalenko"
    assert members["Олена"].phones == ["+48601234567"]
    assert members["Chidi"].relationship == "spouse"
    assert [v.code for v in members["Ada"].vulnerabilities.all()] == ["separated_child"]
    assert [n.category for n in members["Олена"].needs.all()] == ["shelter"]
    assert all(p.registered_by_id == org_a.id for p in members.values())
    assert response["Location"] == f"/workspace/people/{members['Олена'].id}/"


@pytest.mark.parametrize(
    ("_case", "overrides", "field", "text"),
    [
        ("bad birth date", {"members-1-birth_date": "1983-13"}, "birth_date", "month"),
        ("bad phone", {"phone": "12"}, "phone", "phone"),
        ("unknown nationality", {"members-0-nationality": "Atlantis"}, "nationality", "country"),
        ("two heads", {"members-1-relationship": "head"}, None, "one head"),
    ],
)
def test_household_errors_name_the_field_and_nothing_is_written(
    web_client: Any, org_a: Any, crisis: Any, _case: str, overrides: dict, field: str, text: str
) -> None:
    client = web_client(org_a)
    response = client.post("/workspace/households/new/", household_post(**overrides))
    assert response.status_code == 200
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0
    content = response.content.decode()
    assert text in content.lower()
    if field:
        assert 'aria-invalid="true"' in content


def test_registration_requires_consent(web_client: Any, org_a: Any, crisis: Any) -> None:
    client = web_client(org_a)
    response = client.post("/workspace/households/new/", household_post(consent_registration=""))
    assert response.status_code == 200
    assert Person.objects.count() == 0


def test_search_by_name_in_another_script_is_a_post(
    web_client: Any, org_a: Any, org_b: Any, crisis: Any
) -> None:
    client = web_client(org_a)
    client.post("/workspace/households/new/", household_post())
    response = client.post("/workspace/people/", {"q": "Olena Kovalenko", "page": "1"})
    content = response.content.decode()
    assert "Олена" in content
    assert "Chidi" not in content
    entry = AuditEntry.objects.filter(action="list", object_type="person").latest("id")
    assert "Olena" not in str(entry.details)
    other = web_client(org_b)
    assert "Олена" not in other.post("/workspace/people/", {"q": "Olena"}).content.decode()


def test_search_with_htmx_answers_the_results_only(
    web_client: Any, org_a: Any, crisis: Any
) -> None:
    client = web_client(org_a)
    response = client.post("/workspace/people/", {"q": "x"}, headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<section id="results"')


def test_other_organisation_cannot_open_the_person_page(
    web_client: Any, org_a: Any, org_b: Any, crisis: Any
) -> None:
    web_client(org_a).post("/workspace/households/new/", household_post())
    person = Person.objects.get(given_name="Chidi")
    other = web_client(org_b, Role.ADMIN)
    assert other.get(f"/workspace/people/{person.id}/").status_code == 404
    assert other.get(f"/workspace/people/{person.id}/edit/").status_code == 404


def test_person_page_shows_household_and_history(web_client: Any, org_a: Any, crisis: Any) -> None:
    client = web_client(org_a)
    client.post("/workspace/households/new/", household_post())
    person = Person.objects.get(given_name="Chidi")
    content = client.get(f"/workspace/people/{person.id}/").content.decode()
    assert "Олена" in content
    assert "Ada" in content
    assert "Spouse or partner" in content
    assert AuditEntry.objects.filter(object_id=str(person.id), action="read").count() == 1


def test_edit_changes_the_record_and_a_stale_version_is_refused(
    web_client: Any, org_a: Any, crisis: Any
) -> None:
    client = web_client(org_a)
    client.post("/workspace/households/new/", household_post())
    person = Person.objects.get(given_name="Chidi")
    form = {
        "given_name": "Chidi",
        "family_name": "Okafor-Eze",
        "sex": "male",
        "birth_date": "1983-05",
        "nationality": "NG",
        "country": "PL",
        "journey_stage": "at_destination",
        "category": "student",
        "version": "1",
    }
    assert client.post(f"/workspace/people/{person.id}/edit/", form).status_code == 302
    person.refresh_from_db()
    assert (person.family_name, person.journey_stage, person.version) == (
        "Okafor-Eze",
        "at_destination",
        2,
    )
    stale = client.post(f"/workspace/people/{person.id}/edit/", {**form, "family_name": "X"})
    assert stale.status_code == 200
    assert "changed since version 1" in stale.content.decode()
    person.refresh_from_db()
    assert person.family_name == "Okafor-Eze"


def test_viewer_role_cannot_register(web_client: Any, org_a: Any, crisis: Any) -> None:
    client = web_client(org_a, Role.VIEWER)
    response = client.post("/workspace/households/new/", household_post())
    assert response.status_code == 403
    assert Person.objects.count() == 0


def test_dashboard_counts_only_the_organisations_people(
    web_client: Any, org_a: Any, org_b: Any, crisis: Any
) -> None:
    web_client(org_a).post("/workspace/households/new/", household_post())
    response = web_client(org_a).get("/workspace/")
    assert response.context["counts"].total == 3
    assert response.context["counts"].by_nationality == [("NG", 3)]
    assert response.context["counts"].by_stage == [("in_transit", 3)]
    assert response.context["counts"].by_need == [("shelter", 1)]
    assert web_client(org_b).get("/workspace/").context["counts"].total == 0


def test_admin_invites_a_member_and_a_volunteer_cannot(
    web_client: Any, make_member: Any, org_a: Any, org_b: Any, crisis: Any
) -> None:
    outsider = make_member(org_b, Role.VOLUNTEER)
    admin = web_client(org_a, Role.ADMIN)
    response = admin.post(
        "/workspace/organisation/", {"username": outsider.username, "role": "caseworker"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=outsider, organisation=org_a).role == "caseworker"
    again = admin.post(
        "/workspace/organisation/", {"username": outsider.username, "role": "caseworker"}
    )
    assert "already a member" in again.content.decode()
    volunteer = web_client(org_a, Role.VOLUNTEER)
    refused = volunteer.post("/workspace/organisation/", {"username": "nobody", "role": "viewer"})
    assert refused.status_code == 403


def test_only_a_platform_admin_verifies(
    web_client: Any, make_member: Any, org_a: Any, org_b: Any, crisis: Any
) -> None:
    admin = web_client(org_a, Role.ADMIN)
    assert (
        admin.post(
            f"/workspace/organisations/{org_b.id}/verification/", {"verified": "1"}
        ).status_code
        == 403
    )
    platform = Client()
    platform.force_login(make_member(org_a, Role.ADMIN, superuser=True))
    response = platform.post(
        f"/workspace/organisations/{org_b.id}/verification/", {"verified": "1"}
    )
    assert response.status_code == 302
    org_b.refresh_from_db()
    assert org_b.is_verified is True


def test_user_without_organisation_is_told_so(client: Client, django_user_model: Any) -> None:
    client.force_login(django_user_model.objects.create_user("lonely", password="x-y-z-123"))
    assert client.get("/workspace/").status_code == 403


def test_admin_invites_a_new_person_who_sets_a_password_once(
    web_client: Any, org_a: Any, crisis: Any, django_user_model: Any
) -> None:
    admin = web_client(org_a, Role.ADMIN)
    response = admin.post(
        "/workspace/organisation/",
        {"action": "invite", "new-username": "amara", "new-email": "", "new-role": "volunteer"},
    )
    link = response.context["link"]
    user = django_user_model.objects.get(username="amara")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == "volunteer"
    visitor = Client()
    form = visitor.get(link, follow=True)
    assert form.context["validlink"] is True
    password = {"new_password1": "a-long-new-password-7", "new_password2": "a-long-new-password-7"}
    assert visitor.post(form.redirect_chain[-1][0], password)["Location"] == "/login/"
    assert visitor.login(username="amara", password="a-long-new-password-7")
    assert Client().get(link, follow=True).context["validlink"] is False
    taken = admin.post(
        "/workspace/organisation/",
        {"action": "invite", "new-username": "AMARA", "new-role": "volunteer"},
    )
    assert "already" in taken.content.decode() or "taken" in taken.content.decode()
    assert django_user_model.objects.filter(username__iexact="amara").count() == 1


def test_filters_combine(web_client: Any, org_a: Any, crisis: Any) -> None:
    client = web_client(org_a)
    client.post("/workspace/households/new/", household_post())
    response = client.post(
        "/workspace/people/", {"vulnerability": "separated_child", "category": "student"}
    )
    assert [p.given_name for p in response.context["persons"]] == ["Ada"]
    none = client.post("/workspace/people/", {"need": "shelter", "category": "worker"})
    assert none.context["total"] == 0
    bad = client.post("/workspace/people/", {"nationality": "ZZ"})
    assert "ZZ" in bad.content.decode()
    assert 'aria-invalid="true"' in bad.content.decode()


def test_registry_query_count_does_not_grow_with_people(
    web_client: Any, org_a: Any, crisis: Any, django_assert_max_num_queries: Any
) -> None:
    client = web_client(org_a)
    client.post("/workspace/households/new/", household_post())
    client.get("/workspace/people/")  # session and caches warm
    with django_assert_max_num_queries(QUERIES) as captured:
        client.get("/workspace/people/")
    fewer = len(captured)
    client.post("/workspace/households/new/", household_post())
    with django_assert_max_num_queries(QUERIES) as captured:
        client.get("/workspace/people/")
    assert len(captured) == fewer


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "le téléphone 1 n'est pas un numéro valide"),
        ("ar", "الهاتف 1 ليس رقمًا صالحًا"),
        ("uk", "телефон 1 не є правильним номером"),
    ],
)
def test_validation_messages_are_in_the_page_language(
    web_client: Any, org_a: Any, crisis: Any, language: str, expected: str
) -> None:
    client = web_client(org_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post("/workspace/households/new/", household_post(phone="12"))
    content = response.content.decode()
    assert expected in html.unescape(content)
    assert "is not a valid telephone number" not in content
    assert Person.objects.count() == 0
