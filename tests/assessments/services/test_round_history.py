"""The administrative history of rounds: settings, participants and assignments, each recorded by
its service in the change's own transaction, and shown to admins on the round's pages."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent, MergeMethod, Round, Sheet, SheetKind
from assessments.services import round_add_organizations, round_close, sheet_unassign
from assessments.services import rounds as round_services
from assessments.services.round_admin import (
    round_assign_evaluator,
    round_remove_assessment,
    round_start,
    round_update,
    sheet_make_lead,
)
from common.audit import history_of, page_context
from common.models import AdminAction, AdminEvent, AdminKind
from orgs.models import Organization, Role
from tests.factories import OrganizationFactory, RoleGrantFactory, UserFactory, assign, make_round, user_with_role
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2100, 6, 30)


@pytest.fixture
def admin(db):
    return user_with_role(Role.ADMIN, username="adm", first_name="管理员甲")


@pytest.fixture
def evaluators(db):
    return [user_with_role(Role.EVALUATOR, username=f"eva{n}", first_name=f"考评{n}") for n in range(2)]


def _events(round, kind=None, action=None):
    events = history_of(round).order_by("id")
    if kind:
        events = events.filter(kind=kind)
    if action:
        events = events.filter(action=action)
    return list(events)


def _changes(event) -> dict[str, tuple[str, str]]:
    return {change["field"]: (change["old"], change["new"]) for change in event.changes}


def _units(*names):
    return [OrganizationFactory(name=name, code=f"U{n:03d}") for n, name in enumerate(names)]


def _only(queryset_of):
    return Organization.objects.filter(pk__in=[o.pk for o in queryset_of])


def _start(admin, **fields):
    values = {
        "year": 2027, "title": "二〇二七年度考评", "deadline": DEADLINE, "merge_method": MergeMethod.MEDIAN,
        "disagreement_threshold": Decimal("2.5"), "approvers": [], "user": admin,
    }
    return round_start(**(values | fields))


# --- the round's settings ----------------------------------------------------------------------


def test_it_records_a_new_round_with_the_settings_it_was_given(outline, admin):
    approver = UserFactory(username="apv", first_name="审核人乙")
    round = _start(admin, indicator_system=outline, approvers=[approver])
    [event] = _events(round)
    assert (event.actor, event.kind, event.action, event.target) == (admin, AdminKind.ROUND, AdminAction.CREATE,
                                                                      str(round))
    changes = _changes(event)
    assert changes["title"] == ("", "二〇二七年度考评")
    assert changes["year"] == ("", "2027")
    assert changes["deadline"] == ("", "2100-06-30")
    assert changes["merge_method"] == ("", "各考评员中位数")
    assert changes["disagreement_threshold"] == ("", "2.5")
    assert changes["approvers"] == ("", "审核人乙")
    assert changes["indicator_system"] == ("", f"{outline.title}（{outline.code}）")
    assert "previous" not in changes
    assert "closed_at" not in changes


def test_it_records_each_changed_setting_old_to_new(outline, admin):
    round = make_round(outline, title="年度考评")
    round_update(
        round=round, title="年度考评（修订）", deadline=datetime.date(2026, 11, 30), merge_method=round.merge_method,
        disagreement_threshold=Decimal("2.5"), approvers=[admin], user=admin,
    )
    [event] = _events(round, action=AdminAction.UPDATE)
    assert event.actor == admin
    assert event.target == "2026 年度考评（修订）"
    assert _changes(event) == {
        "title": ("年度考评", "年度考评（修订）"),
        "deadline": ("2026-12-31", "2026-11-30"),
        "disagreement_threshold": ("1", "2.5"),
        "approvers": ("", "管理员甲"),
    }


def test_saving_unchanged_settings_records_nothing(outline, admin):
    round = make_round(outline)
    round_update(
        round=round, title=round.title, deadline=round.deadline, merge_method=round.merge_method,
        disagreement_threshold=round.disagreement_threshold, approvers=[], user=admin,
    )
    assert _events(round, action=AdminAction.UPDATE) == []


def test_a_refused_update_leaves_no_event(outline, admin):
    make_round(outline, title="已有批次")
    round = make_round(outline, title="年度考评")
    with pytest.raises(ValidationError):
        round_update(
            round=round, title="已有批次", deadline=round.deadline, merge_method=round.merge_method,
            disagreement_threshold=Decimal("3"), approvers=[], user=admin,
        )
    assert _events(round, action=AdminAction.UPDATE) == []


def test_closing_is_recorded_as_a_change_of_state(outline, admin):
    round = make_round(outline)
    round_close(round=round, user=admin)
    [event] = _events(round, action=AdminAction.STATE)
    changes = _changes(event)
    assert event.actor == admin
    assert event.kind == AdminKind.ROUND
    assert changes["state"] == ("进行中", "已结束")
    assert changes["closed_at"][0] == ""
    assert changes["closed_at"][1].startswith(str(datetime.date.today().year))


# --- participants --------------------------------------------------------------------------------


def test_it_records_one_row_per_organization_added(outline, admin):
    round = make_round(outline)
    a, b, c = _units("甲支部", "乙支部", "丙支部")
    round_add_organizations(round=round, organizations=_only([a]), user=admin)
    round_add_organizations(round=round, organizations=_only([a, b, c]), user=admin)
    added = _events(round, kind=AdminKind.PARTICIPANT, action=AdminAction.ADD)
    assert [e.target for e in added] == ["甲支部（U000）", "乙支部（U001）", "丙支部（U002）"]
    assert {e.actor for e in added} == {admin}


def test_taking_an_organization_out_is_recorded_with_the_assignments_it_ended(outline, admin, evaluators):
    round = make_round(outline)
    [unit] = _units("甲支部")
    sheet = assign(round, unit, evaluators[0], lead=True)
    assign(round, unit, evaluators[1])
    round_remove_assessment(assessment=sheet.assessment, user=admin)
    [event] = _events(round, kind=AdminKind.PARTICIPANT, action=AdminAction.REMOVE)
    assert (event.actor, event.target) == (admin, "甲支部（U000）")
    assert _changes(event) == {"evaluators": ("考评0、考评1", "")}


# --- assignments ---------------------------------------------------------------------------------


def test_assigning_records_each_assignment_and_the_lead(outline, admin, evaluators):
    round = make_round(outline, merge_method=MergeMethod.LEAD)
    a, b = _units("甲支部", "乙支部")
    round_assign_evaluator(round=round, organizations=_only([a, b]), evaluator=evaluators[0], lead=True, user=admin)
    added = _events(round, kind=AdminKind.ASSIGNMENT, action=AdminAction.ADD)
    assert [e.target for e in added] == ["考评0 → 甲支部（U000）", "考评0 → 乙支部（U001）"]
    assert {e.actor for e in added} == {admin}
    assert _changes(added[0]) == {"evaluator": ("", "考评0")}
    leads = _events(round, kind=AdminKind.ASSIGNMENT, action=AdminAction.UPDATE)
    assert [(_changes(e)["is_lead"], e.target) for e in leads] == [
        (("", "考评0"), "考评0 → 甲支部（U000）"), (("", "考评0"), "考评0 → 乙支部（U001）")
    ]
    # The organizations joined the round on the way, and that is said too.
    assert len(_events(round, kind=AdminKind.PARTICIPANT, action=AdminAction.ADD)) == 2
    # The per-assessment trail is still written beside it.
    assert AuditEvent.objects.filter(assessment__round=round, action=AuditAction.ASSIGNMENT).count() == 4


def test_a_new_lead_is_recorded_old_to_new(outline, admin, evaluators):
    round = make_round(outline)
    [unit] = _units("甲支部")
    assign(round, unit, evaluators[0], lead=True)
    second = assign(round, unit, evaluators[1])
    sheet_make_lead(sheet=second, user=admin)
    [event] = _events(round, kind=AdminKind.ASSIGNMENT, action=AdminAction.UPDATE)
    assert (event.actor, event.target) == (admin, "考评1 → 甲支部（U000）")
    assert _changes(event) == {"is_lead": ("考评0", "考评1")}


def test_removing_an_evaluator_is_recorded(outline, admin, evaluators):
    round = make_round(outline)
    [unit] = _units("甲支部")
    sheet = assign(round, unit, evaluators[0], lead=True)
    sheet_unassign(sheet=sheet, user=admin)
    [event] = _events(round, kind=AdminKind.ASSIGNMENT, action=AdminAction.REMOVE)
    assert (event.actor, event.target) == (admin, "考评0 → 甲支部（U000）")
    assert _changes(event) == {"evaluator": ("考评0", ""), "is_lead": ("考评0", "")}
    assert AuditEvent.objects.filter(assessment=sheet.assessment, old="考评0").exists()


def test_a_refused_removal_leaves_no_event(outline, admin, evaluators):
    from tests.factories import fill

    round = make_round(outline)
    [unit] = _units("甲支部")
    sheet = assign(round, unit, evaluators[0])
    fill(sheet, evaluators[0], {"1.1": 1})
    with pytest.raises(ValidationError):
        sheet_unassign(sheet=sheet, user=admin)
    assert _events(round, action=AdminAction.REMOVE) == []


def test_a_failure_after_recording_takes_the_records_with_it(outline, admin, evaluators, monkeypatch):
    round = make_round(outline, merge_method=MergeMethod.LEAD)
    [unit] = _units("甲支部")

    def fail(*args, **kwargs):
        raise RuntimeError("recomputing failed")

    # The lead's results are recomputed last, after the assignment rows were written.
    monkeypatch.setattr("assessments.services.round_admin._recompute", fail)
    with pytest.raises(RuntimeError):
        round_assign_evaluator(round=round, organizations=_only([unit]), evaluator=evaluators[0], lead=True,
                               user=admin)
    assert not Sheet.objects.filter(assessment__round=round).exists()
    assert _events(round, kind=AdminKind.ASSIGNMENT) == []
    assert _events(round, kind=AdminKind.PARTICIPANT) == []


# --- carried over from last year -----------------------------------------------------------------


def _last_year(outline, evaluators):
    last = make_round(outline, year=2026, title="2026年度考评")
    a, b = _units("甲支部", "乙支部")
    assign(last, a, evaluators[0], lead=True)
    assign(last, b, evaluators[0], lead=True)
    assign(last, b, evaluators[1])
    return last


def test_carried_over_participants_and_assignments_are_recorded_as_copied(outline, admin, evaluators):
    last = _last_year(outline, evaluators)
    last_history = len(_events(last))
    round = _start(admin, indicator_system=outline, previous=last, merge_method=MergeMethod.MEAN)
    [created] = _events(round, kind=AdminKind.ROUND)
    assert created.action == AdminAction.CREATE
    assert _changes(created)["previous"] == ("", "2026年度考评")
    # The settings typed on the form are the ones recorded, not last year's.
    assert _changes(created)["merge_method"] == ("", "各考评员平均分")
    participants = _events(round, kind=AdminKind.PARTICIPANT)
    assert [(e.action, e.target) for e in participants] == [
        (AdminAction.COPY, "甲支部（U000）"), (AdminAction.COPY, "乙支部（U001）")
    ]
    copied = _events(round, kind=AdminKind.ASSIGNMENT)
    assert {e.action for e in copied} == {AdminAction.COPY}
    assert sorted(e.target for e in copied) == ["考评0 → 乙支部（U001）", "考评0 → 甲支部（U000）", "考评1 → 乙支部（U001）"]
    assert {e.actor for e in copied} == {admin}
    assert {e.note for e in copied + participants} == {"沿用自“2026年度考评”。"}
    lead = next(e for e in copied if e.target == "考评0 → 甲支部（U000）")
    assert _changes(lead) == {"evaluator": ("", "考评0"), "is_lead": ("", "考评0")}
    assert Sheet.objects.filter(assessment__round=round, kind=SheetKind.REVIEW).count() == len(copied)
    # Last year's round is not changed, so its history says nothing new.
    assert len(_events(last)) == last_history


def test_a_copy_that_fails_half_way_leaves_no_round_and_no_event(outline, admin, evaluators, monkeypatch):
    last = _last_year(outline, evaluators)
    before = AdminEvent.objects.count()
    real = round_services.record_assignments

    def record_then_fail(**kwargs):
        real(**kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(round_services, "record_assignments", record_then_fail)
    with pytest.raises(RuntimeError):
        _start(admin, indicator_system=outline, previous=last, title="二〇二七年度考评")
    assert not Round.objects.filter(title="二〇二七年度考评").exists()
    assert AdminEvent.objects.count() == before


# --- the pages -----------------------------------------------------------------------------------


def test_the_round_pages_show_the_history_to_admins(outline, admin, evaluators):
    round = make_round(outline)
    [unit] = _units("甲支部")
    round_assign_evaluator(round=round, organizations=_only([unit]), evaluator=evaluators[0], lead=False, user=admin)
    client = logged_in(admin)
    for name in ("assessments:round_detail", "assessments:round_participants"):
        html = client.get(reverse(name, args=[round.pk])).content.decode()
        assert 'id="admin-history"' in html
        assert "考评0 → 甲支部（U000）" in html
        assert "管理员甲" in html
        assert page_context(round)["admin_log_url"].replace("&", "&amp;") in html


def test_the_round_page_hides_the_history_from_non_admins(outline, admin, evaluators):
    round = make_round(outline)
    [unit] = _units("甲支部")
    assign(round, unit, evaluators[0], user=admin)
    analyst = UserFactory()
    RoleGrantFactory(user=analyst, role=Role.ANALYST, organization=unit)
    for viewer in (analyst, evaluators[0]):
        response = logged_in(viewer).get(reverse("assessments:round_detail", args=[round.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="admin-history"' not in html
        assert "考评0 → 甲支部" not in html


def test_the_views_record_the_signed_in_admin(outline, admin):
    round = make_round(outline)
    [unit] = _units("甲支部")
    client = logged_in(admin)
    url = reverse("assessments:round_participants", args=[round.pk])
    client.post(url, {"action": "add", "add-organization_code": unit.code})
    client.post(reverse("assessments:round_close", args=[round.pk]), {"confirm": "on"})
    kinds = [(e.kind, e.action, e.actor) for e in _events(round)]
    assert kinds == [
        (AdminKind.ROUND, AdminAction.CREATE, None),
        (AdminKind.PARTICIPANT, AdminAction.ADD, admin),
        (AdminKind.ROUND, AdminAction.STATE, admin),
    ]


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["assessments:round_detail", "assessments:round_participants"])
def test_the_history_costs_the_same_with_few_or_many_rows(outline, admin, name):
    few, many = make_round(outline, title="少"), make_round(outline, title="多")
    round_add_organizations(round=few, organizations=_only(_units("甲支部")), user=admin)
    round_add_organizations(
        round=many, organizations=_only([OrganizationFactory() for _ in range(30)]), user=admin
    )
    client = logged_in(admin)
    expected = _queries(client, reverse(name, args=[few.pk]))
    response = client.get(reverse(name, args=[many.pk]))
    assert len(response.context["admin_events"]) == 20
    assert _queries(client, reverse(name, args=[many.pk])) == expected
