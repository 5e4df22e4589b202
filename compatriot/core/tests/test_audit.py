"""The audit log: every change and every read of personal data leaves one hash-chained entry that
names fields, filters and counts but never personal values."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from compatriot.core.audit import audit_maintenance, audit_verify, entry_digest
from compatriot.core.models import ApiToken, AuditEntry, Role


def new_entries(since):
    return list(
        AuditEntry.objects.filter(id__gt=since).order_by("id").values_list("action", "object_type")
    )


def last_id():
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def person(client_a, register_person):
    return register_person(
        client_a,
        vulnerabilities=[{"code": "disability"}],
        needs=[{"category": "health"}],
        consents=[{"scope": "registration", "method": "verbal"}],
    )


PERSON = "/persons/{person}"
WRITES = [
    # _case, method, path, body, status, the one entry written: "action object_type"
    ("register person", "post", "/persons", "payload", 201, "create person"),
    ("update person", "patch", PERSON, {"place_name": "Lviv"}, 200, "update person"),
    ("add need", "post", PERSON + "/needs", {"category": "food"}, 201, "create need"),
    ("update need", "patch", PERSON + "/needs/{need}", {"status": "met"}, 200, "update need"),
    ("add vulnerability", "post", PERSON + "/vulnerabilities", {"code": "pregnant"}, 201,
     "create vulnerability"),
    ("remove vulnerability", "delete", PERSON + "/vulnerabilities/disability", None, 204,
     "delete vulnerability"),
    ("record consent", "post", PERSON + "/consents", {"scope": "alerts", "method": "verbal"}, 201,
     "create consent"),
    ("withdraw consent", "post", PERSON + "/consents/{consent}/withdraw", {}, 200,
     "update consent"),
    ("create token", "post", "/tokens", {"name": "phone"}, 201, "create api_token"),
    ("revoke token", "post", "/tokens/{token}/revoke", {}, 200, "update api_token"),
    ("create organisation", "post", "/organisations", {"name": "New", "kind": "ngo"}, 201,
     "create organisation"),
    ("update organisation", "patch", "/organisations/{org_a}", {"languages": ["pl"]}, 200,
     "update organisation"),
    ("share", "post", "/sharing-agreements", {"recipient_id": "{org_b}", "purpose": "x"}, 201,
     "create sharing_agreement"),
    ("read person", "get", PERSON, None, 200, "read person"),
    ("list persons", "get", "/persons", None, 200, "list person"),
]  # fmt: skip


@pytest.mark.parametrize(("_case", "method", "path", "body", "status", "expected"), WRITES)
def test_every_change_and_read_writes_one_entry(
    _case, method, path, body, status, expected, make_client, org_a, org_b, person, person_payload
):
    admin = make_client(org_a, Role.ADMIN)
    values = {
        "person": person["id"],
        "need": person["needs"][0]["id"],
        "consent": person["consents"][0]["id"],
        "token": ApiToken.objects.get(user=admin.user).id,
        "org_a": org_a.id,
        "org_b": org_b.id,
    }
    if body == "payload":
        body = person_payload()
    elif isinstance(body, dict):
        body = {
            key: value.format(**values) if isinstance(value, str) else value
            for key, value in body.items()
        }
    since = last_id()

    response = getattr(admin, method)(path.format(**values), *([] if body is None else [body]))

    assert response.status_code == status
    assert new_entries(since) == [tuple(expected.split())]
    entry = AuditEntry.objects.get(id__gt=since)
    assert (entry.actor_user_id, entry.actor_organisation_id, entry.purpose) == (
        admin.user.id,
        org_a.id,
        "api",
    )


def test_a_read_names_the_person(client_a, person):
    since = last_id()

    client_a.get(f"/persons/{person['id']}")

    entry = AuditEntry.objects.get(id__gt=since)
    assert (entry.action, entry.object_type, entry.object_id) == ("read", "person", person["id"])


def test_a_list_records_filter_and_count_but_not_the_name_searched(
    client_a, client_b, person, register_person
):
    register_person(client_a, given_name="Олена", family_name="Коваленко")
    register_person(client_b, given_name="Olena", family_name="Kovalenko")
    since = last_id()

    response = client_a.post("/persons/search", {"q": "Kovalenko", "country": "ua", "limit": 10})

    assert response.json()["count"] == 1
    entry = AuditEntry.objects.get(id__gt=since)
    assert (entry.action, entry.object_type, entry.object_id) == ("list", "person", "")
    assert entry.details == {
        "filters": {"country": "UA", "q": "<name query, 9 characters>"},
        "count": 1,
        "returned": 1,
    }


def test_personal_values_never_reach_the_log(client_a, person_payload):
    created = client_a.post(
        "/persons",
        person_payload(
            given_name="Олена",
            family_name="Коваленко",
            email="olena@example.org",
            needs=[{"category": "health", "details": "insulin daily"}],
        ),
    ).json()
    client_a.patch(
        f"/persons/{created['id']}", {"place_name": "Przemyśl", "phones": ["+48 512 345 678"]}
    )
    client_a.get(f"/persons/{created['id']}")
    client_a.post("/persons/search", {"q": "Коваленко"})
    client_a.post("/persons/search", {"q": "Olena Kovalenko"})

    logged = json.dumps(
        list(AuditEntry.objects.values("details", "object_id", "purpose")), ensure_ascii=False
    ).lower()

    personal = [
        "олена",
        "коваленко",
        "olena",
        "kovalenko",
        "olena@example.org",
        "insulin",
        "przemyśl",
        "512345678",  # the phone, whole: a fragment such as "512" turns up in random UUIDs
    ]
    assert [value for value in personal if value in logged] == []
    searches = AuditEntry.objects.filter(action="list").values_list("details", flat=True)
    assert [details["filters"]["q"] for details in searches] == [
        "<name query, 9 characters>",
        "<name query, 15 characters>",
    ]


def test_the_purpose_header_is_recorded_without_control_characters(client_a, db):
    client_a.headers["X-Purpose"] = "evacuation\x00 \x1b[2Jplanning"

    assert client_a.get("/persons").status_code == 200

    assert AuditEntry.objects.get(action="list").purpose == "evacuation [2Jplanning"


def test_the_chain_is_intact_after_activity(client_a, client_b, person, register_person):
    register_person(client_b)
    client_a.patch(f"/persons/{person['id']}", {"place_name": "Lviv"})
    client_a.post("/persons/search", {"q": "Okafor"})

    report = audit_verify()

    assert report.is_intact
    assert (report.checked, report.first_broken_id, report.reason) == (
        AuditEntry.objects.count(),
        None,
        "intact",
    )
    assert report.checked == 6  # two tokens, two persons, an update and a list


def test_the_chain_verifies_in_small_batches(client_a, register_person):
    for index in range(4):
        register_person(client_a, given_name=f"Name{index}")

    report = audit_verify(batch_size=2)

    assert (report.is_intact, report.checked) == (True, AuditEntry.objects.count())


@pytest.fixture
def chain(client_a, register_person):
    for index in range(4):
        register_person(client_a, given_name=f"Name{index}")
    return list(AuditEntry.objects.order_by("id").values_list("id", flat=True))


@pytest.mark.parametrize(
    ("_case", "change"),
    [
        ("details edited", {"details": {"fields": ["given_name"]}}),
        ("actor changed", {"actor_user_id": 999}),
        ("action changed", {"action": "read"}),
        ("object changed", {"object_id": "00000000-0000-4000-8000-000000000000"}),
    ],
)
def test_an_edited_entry_breaks_the_chain_at_that_entry(_case, change, chain):
    middle = chain[2]
    with audit_maintenance():  # the triggers refuse it otherwise (test_audit_append_only.py)
        AuditEntry.objects.filter(id=middle).update(**change)

    report = audit_verify()

    assert (report.first_broken_id, report.checked) == (middle, 2)
    assert report.reason == "content does not match its hash"
    assert not report.is_intact


def test_a_deleted_entry_breaks_the_chain_at_the_next(chain):
    with audit_maintenance():
        AuditEntry.objects.filter(id=chain[2]).delete()

    report = audit_verify()

    assert (report.first_broken_id, report.checked) == (chain[3], 2)
    assert report.reason == "previous_hash does not match the entry before"


def digest_of(entry: AuditEntry) -> str:
    """The hash of `entry`'s content and predecessor, as verify recomputes it."""
    return entry_digest(
        at=entry.at, actor_user_id=entry.actor_user_id,
        actor_organisation_id=entry.actor_organisation_id, action=entry.action,
        object_type=entry.object_type, object_id=entry.object_id, purpose=entry.purpose,
        details=entry.details, previous_hash=entry.previous_hash,
    )  # fmt: skip


def test_a_rehashed_edit_still_breaks_the_link_after_it(chain):
    """Editing an entry and recomputing its own hash moves the break to the entry after it."""
    entry = AuditEntry.objects.get(id=chain[1])
    entry.details = {"forged": True}
    entry.entry_hash = digest_of(entry)
    with audit_maintenance():
        AuditEntry.objects.filter(id=entry.id).update(
            details=entry.details, entry_hash=entry.entry_hash
        )

    report = audit_verify()

    assert (report.first_broken_id, report.checked) == (chain[2], 2)


def forked(after: AuditEntry, object_id: str) -> AuditEntry:
    """An entry hashed honestly onto `after`, as a writer that skipped the chain's lock would
    append it while another writer appended there too."""
    entry = AuditEntry(
        at=after.at, actor_user_id=after.actor_user_id,
        actor_organisation_id=after.actor_organisation_id, action="create",
        object_type="person", object_id=object_id, purpose="", details={},
        previous_hash=after.entry_hash,
    )  # fmt: skip
    entry.entry_hash = digest_of(entry)
    entry.save(force_insert=True)
    return entry


@pytest.mark.parametrize("second", ["the same content (the same hash)", "other content"])
def test_a_fork_breaks_the_chain_at_its_second_branch(second, chain):
    """No index keeps two entries from one predecessor, or from sharing a hash (core 0010): the
    chain's lock prevents a fork, and verify reports one at the second entry that hangs off the
    same link. Two entries with one hash are such a fork: the hash covers the predecessor."""
    tail = AuditEntry.objects.get(id=chain[-1])
    first = forked(tail, "1")
    other = first.object_id if second.startswith("the same") else "2"
    fork = forked(tail, other)
    assert (fork.entry_hash == first.entry_hash) == second.startswith("the same")

    report = audit_verify()

    assert (report.first_broken_id, report.checked) == (fork.id, len(chain) + 1)
    assert report.reason == "previous_hash does not match the entry before"


def test_a_copied_entry_is_stored_and_breaks_the_chain_where_it_stands(chain):
    """A verbatim copy of an entry, hash and all, appended at the end: the database accepts it
    since core 0010, and verify names it (its predecessor is not the entry before it)."""
    copy = AuditEntry.objects.get(id=chain[1])
    copy.id = None
    copy.save(force_insert=True)
    assert AuditEntry.objects.filter(entry_hash=copy.entry_hash).count() == 2

    report = audit_verify()

    assert (report.first_broken_id, report.checked) == (copy.id, len(chain))
    assert report.reason == "previous_hash does not match the entry before"


AWKWARD_DETAILS = [
    {},
    {"fields": ["given_name", "phones"], "count": 3, "ratio": 0.25, "big": 2**40},
    {"z": {"b": 1, "a": [None, True, False]}, "a": "Київ تونس नेपाल 🚑"},
    {"quote": 'say "x"', "back": "a\\b", "controls": "tab\tnew\nline\u0001\u007f", "rtl": "\u202e"},
]


@pytest.mark.parametrize("details", AWKWARD_DETAILS)
@pytest.mark.django_db
def test_an_appended_entry_hashes_as_verify_recomputes_it(details):
    # On PostgreSQL the database computes the digest (core 0004): it must be entry_digest's.
    from compatriot.core.audit import audit_record
    from compatriot.core.models import AuditAction
    from compatriot.core.viewer import Viewer

    actor = Viewer(7, None, None, None, purpose='Перевірка «x» \\ "y"')
    first = audit_record(actor, action=AuditAction.CREATE, object_type="thing", object_id="1")
    entry = audit_record(
        actor, action=AuditAction.UPDATE, object_type="thing", object_id="1", details=details
    )

    stored = AuditEntry.objects.get(id=entry.id)
    assert (stored.previous_hash, stored.entry_hash) == (entry.previous_hash, entry.entry_hash)
    assert stored.previous_hash == first.entry_hash
    assert stored.details == details
    assert stored.entry_hash == entry_digest(
        at=stored.at,
        actor_user_id=stored.actor_user_id,
        actor_organisation_id=stored.actor_organisation_id,
        action=stored.action,
        object_type=stored.object_type,
        object_id=stored.object_id,
        purpose=stored.purpose,
        details=stored.details,
        previous_hash=stored.previous_hash,
    )
    assert audit_verify().is_intact


def test_a_persons_history_is_its_own_entries_and_its_parts_newest_first(
    client_a, client_b, register_person, org_a
):
    """`audit_history` (the web person page): the entries about the person or naming it in their
    details (its needs, vulnerabilities, consents), newest first, and no one else's."""
    from compatriot.core.selectors import audit_history
    from compatriot.core.viewer import Viewer

    mine = register_person(client_a, needs=[{"category": "health"}])
    other = register_person(client_b, needs=[{"category": "food"}])
    for person, client in ((mine, client_a), (other, client_b), (mine, client_a)):
        added = client.post(f"/persons/{person['id']}/needs", {"category": "shelter"})
        assert added.status_code == 201
        assert client.get(f"/persons/{person['id']}").status_code == 200
    viewer = Viewer(None, org_a.id, org_a.kind, Role.CASEWORKER, False)

    def expected(person_id):
        return [
            entry.id
            for entry in AuditEntry.objects.order_by("-id")
            if (entry.object_type, entry.object_id) == ("person", person_id)
            or entry.details.get("person") == person_id
            or person_id in entry.details.get("persons", [])
        ]

    history = [e.id for e in audit_history(viewer, object_type="person", object_id=mine["id"])]
    assert history == expected(mine["id"])
    assert len(history) == 5  # created, two needs added, read twice
    assert set(history).isdisjoint(expected(other["id"]))
    newest = audit_history(viewer, object_type="person", object_id=mine["id"], limit=2)
    assert [e.id for e in newest] == history[:2]


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's indexes")
def test_a_persons_history_reads_every_arm_by_an_index():
    """Each arm of `audit_history`'s condition has its index (the object's, details.person's
    0009, details.persons' 0015): the query's form must keep matching them, or the person page
    walks the whole chain (docs/benchmarks.md). Sequential scans off: which indexes can serve."""
    import uuid

    from django.test.utils import CaptureQueriesContext

    from compatriot.core.selectors import audit_history
    from compatriot.core.viewer import Viewer

    viewer = Viewer(None, None, None, None)
    with CaptureQueriesContext(connection) as queries:
        audit_history(viewer, object_type="person", object_id=uuid.UUID(int=1))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "BitmapOr" in plan
    for index in (
        "core_audite_object__83eb8a_idx",
        "audit_details_person_idx",
        "audit_details_persons_idx",
    ):
        assert f"Bitmap Index Scan on {index}" in plan


@pytest.mark.django_db
def test_the_write_path_append_statement_is_the_entrys(monkeypatch):
    # entry_append_statement skips the model instance: the same parameters, and the same SQL but
    # for the scalar function that compatriot_audit_append calls (core migration 0012).
    import datetime as dt
    import uuid

    from django.db import connection
    from django.utils import timezone

    from compatriot.core import audit
    from compatriot.core.models import AuditAction
    from compatriot.core.viewer import Viewer

    at = dt.datetime(2026, 12, 6, 23, 59, 58, 123456, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: at)
    for actor, object_id in [
        (
            Viewer(7, uuid.uuid4(), "ngo", "caseworker", False, purpose='Пошук «x» \\ "y"'),
            uuid.uuid4(),
        ),
        (Viewer(None, None, None, None, purpose="p" * 150), ""),
    ]:
        ours = audit.entry_append_statement(
            actor, action=AuditAction.CREATE, object_type="person", object_id=object_id
        )
        entry = audit.audit_entry(
            actor, action=AuditAction.CREATE, object_type="person", object_id=object_id
        )
        theirs = audit.append_statement(entry)
        # The same values but the details (the 8th), which the write path's SQL carries as a
        # literal.
        details = 7
        sent = theirs[1][details]
        assert getattr(sent, "obj", sent) in ({}, "{}")  # psycopg's Jsonb, or SQLite's text
        expected = [*theirs[1][:details], *theirs[1][details + 1 :]]
        assert [type(value) for value in ours[1]] == [type(value) for value in expected]
        assert ours[1] == expected
        head, tail = theirs[0].rsplit("%s, %s)", 1)
        scalar = ("SELECT * FROM compatriot_audit_append(", "SELECT compatriot_audit_entry(")
        assert ours[0] == f"{head}'{{}}'::jsonb, %s){tail}".replace(*scalar)
        if connection.vendor == "postgresql":  # the very text psycopg sends
            with connection.cursor() as cursor:
                assert cursor.mogrify(*ours) == cursor.mogrify(*theirs).replace(*scalar)


def test_the_append_statement_casts_nothing_its_function_types():
    # A cast in the text costs the backend a look-up of the type's name on every write; the
    # function's one signature types the arguments (only the write path's literal details keep
    # psycopg's own `::jsonb`, the text psycopg would send for them).
    from compatriot.core import audit

    assert "::" not in audit._APPEND
    assert audit._APPEND_WITHOUT_DETAILS.count("::") == 1
    assert "'{}'::jsonb" in audit._APPEND_WITHOUT_DETAILS


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("server_side", [False, True])
def test_the_append_statement_binds_either_way(server_side):
    # The statement's values bound by psycopg on the client (Django's default) or sent apart
    # (server-side binding): the function is found, the entry stored, the chain intact, with
    # and without an actor, with and without details.
    import uuid

    import psycopg
    from django.db import connection

    from compatriot.core import audit
    from compatriot.core.models import AuditAction
    from compatriot.core.viewer import Viewer

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's append function")
    connection.ensure_connection()
    raw = connection.connection
    cursor_class = psycopg.Cursor if server_side else psycopg.ClientCursor
    actors = [
        Viewer(None, None, None, None, purpose="system"),
        Viewer(7, uuid.uuid4(), "ngo", "caseworker", False, purpose="p" * 150),
    ]
    statements = [
        audit.entry_append_statement(
            actors[0], action=AuditAction.CREATE, object_type="person", object_id="x"
        ),
        audit.append_statement(
            audit.audit_entry(
                actors[1],
                action=AuditAction.UPDATE,
                object_type="person",
                object_id="y",
                details={"need": "z"},
            )
        ),
    ]
    for sql, params in statements:
        with cursor_class(raw) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        assert row is not None
        assert len(row) == (1 if "compatriot_audit_entry" in sql else 3)  # id (and hashes)
    stored = list(AuditEntry.objects.order_by("id").values_list("object_id", "details"))
    assert stored[-2:] == [("x", {}), ("y", {"need": "z"})]
    assert audit_verify().is_intact


@pytest.mark.parametrize(("order", "newest_first"), [("1", False), ("-1", True)])
def test_the_admins_time_column_sorts_the_chain_by_id(order, newest_first, chain):
    # `at` has no index (core migration 0011): the admin's "at" column sorts by id, the chain's
    # order, which the primary key serves; an entry whose time runs behind stays in its place.
    with audit_maintenance():
        AuditEntry.objects.filter(id=chain[2]).update(at="2000-01-01T00:00Z")
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("root", "root@example.org"))

    response = browser.get("/admin/core/auditentry/", {"o": order})

    assert response.status_code == 200
    listed = response.context["cl"]
    assert listed.queryset.query.order_by == (("-id",) if newest_first else ("id",))
    ids = [entry.id for entry in listed.result_list]
    assert ids == sorted(ids, reverse=newest_first)
    assert set(chain) <= set(ids)
