"""The load test's verifier on made-up logs and audit rows: it must see every lost update, and only those."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.models import Sheet
from loadtest.clientlog import ClientLog, read_logs
from loadtest.verify import Change, Event, changes_from_log, find_lost_updates, passed, stored_mismatches
from orgs.models import Role
from tests.factories import OrganizationFactory, assign, fill, make_round, user_with_role


def change(value, *, field="score", actor="ann", t0=10.0, t1=11.0, item=1, accepted=True):
    return Change(sheet=7, item=item, field=field, value=value, actor=actor, t0=t0, t1=t1, accepted=accepted)


def event(pk, old, new, *, field="score", actor="ann", version=None, at=10.5, item=1, baseline=False):
    return Event(id=pk, sheet=7, item=item, field=field, old=old, new=new, actor=actor,
                 version=pk if version is None else version, at=at, baseline=baseline)


SEED = event(1, "", "3", actor="seed", at=1.0, baseline=True)


def test_it_finds_a_stale_value_sent_back():
    # Ann writes 2; Bob, who loaded the sheet before, saves another item and sends 3 back.
    events = [SEED, event(2, "3", "2", at=10.5), event(3, "2", "3", actor="bob", at=12.5)]
    findings = find_lost_updates([change("2")], events)
    assert (len(findings.missing), [e.id for e in findings.unintended], findings.unseen) == (0, [3], [])
    assert findings.lost == 1


def test_it_accepts_an_overwrite_whose_writer_saw_the_value():
    events = [SEED, event(2, "3", "2", at=10.5), event(3, "2", "1", actor="bob", at=12.5)]
    changes = [change("2"), change("1", actor="bob", t0=12.0, t1=13.0)]
    assert find_lost_updates(changes, events).lost == 0


def test_it_counts_an_overwrite_of_a_value_its_writer_never_read():
    # Two writers raced: both read 3, so Bob's row replaced Ann's 2 without seeing it.
    events = [SEED, event(2, "3", "2", at=10.5), event(3, "3", "1", actor="bob", at=10.6)]
    changes = [change("2"), change("1", actor="bob", t0=10.0, t1=11.0)]
    findings = find_lost_updates(changes, events)
    assert [(a.id, b.id) for a, b in findings.unseen] == [(2, 3)]
    assert findings.lost == 1


def test_it_counts_a_save_told_saved_but_never_written():
    findings = find_lost_updates([change("2"), change("压测-1", field="reason")], [SEED])
    assert [c.value for c in findings.missing] == ["2", "压测-1"]


def test_it_accepts_a_change_to_the_value_already_stored():
    # Bob had written 2 a moment before; Ann's save of 2 changes nothing and needs no event.
    events = [SEED, event(2, "3", "2", actor="bob", at=9.0)]
    changes = [change("2", actor="bob", t0=8.5, t1=9.5), change("2")]
    assert find_lost_updates(changes, events).lost == 0


def test_it_matches_an_event_only_within_its_save_and_only_once():
    # The same value written twice by Ann: one save, one event; the second event is nobody's.
    events = [SEED, event(2, "3", "2", at=10.5), event(3, "2", "1", actor="bob", at=20.5),
              event(4, "1", "2", at=30.5)]
    changes = [change("2"), change("1", actor="bob", t0=20.0, t1=21.0)]
    assert [e.id for e in find_lost_updates(changes, events).unintended] == [4]


def test_it_needs_no_event_for_an_unanswered_save_but_accepts_one():
    unanswered = change("2", t1=float("inf"), accepted=False)
    assert find_lost_updates([unanswered], [SEED]).lost == 0
    assert find_lost_updates([unanswered], [SEED, event(2, "3", "2", at=10.5)]).lost == 0


def test_it_reads_outcomes_and_changes_from_the_client_log(tmp_path):
    log = ClientLog(tmp_path)
    fields = [{"item": 1, "field": "score", "value": "2", "base": "3"}]
    log.write(type="attempt", id="a", via="form", client=0, actor="ann", sheet=7, changes=fields, t0=10.0)
    log.write(type="result", id="a", outcome="saved", status=302, t1=11.0)
    log.write(type="attempt", id="b", via="form", client=1, actor="bob", sheet=7, changes=fields, t0=12.0)
    log.write(type="result", id="b", outcome="conflict", status=409, t1=13.0)
    log.write(type="attempt", id="c", via="excel", client=2, actor="cat", sheet=None,
              changes=[{**fields[0], "sheet": 8}], t0=14.0)
    log.write(type="result", id="c", outcome="error", status=502, t1=15.0)
    log.write(type="error", client=3, request="sheet", status=500)
    changes, outcomes = changes_from_log(read_logs(tmp_path))
    assert changes == [change("2")]
    assert (outcomes["form saved"], outcomes["form conflict"], outcomes["excel error"], outcomes["5xx"]) == (1, 1, 1, 2)
    # A save answered with a conflict must have written nothing: its event is nobody's.
    events = [SEED, event(2, "3", "2", at=10.5), event(3, "2", "2.5", actor="bob", at=12.5)]
    assert [e.id for e in find_lost_updates(changes, events).unintended] == [3]


def test_it_fails_a_run_that_saved_nothing():
    clean = {"saves_ok": 3, "5xx": 0, "lost_updates": 0, "mismatches": 0}
    assert passed(clean)
    assert not passed({**clean, "saves_ok": 0})
    assert not passed({**clean, "5xx": 1})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ann", "bob", "cat"]), st.sampled_from(["0", "0.5", "1", "2", "3"])),
                min_size=1, max_size=12),
       st.data())
def test_it_finds_nothing_in_a_serial_history_and_every_stale_write_added(writes, data):
    changes, events, value = [], [SEED], "3"
    for n, (actor, new) in enumerate(writes):
        at = 10.0 + n
        changes.append(change(new, actor=actor, t0=at, t1=at + 0.9))
        if new != value:
            events.append(event(len(events) + 1, value, new, actor=actor, at=at + 0.5))
            value = new
    assert find_lost_updates(changes, events).lost == 0
    # Someone writes back a value they did not change, long after every save.
    stale = data.draw(st.sampled_from([e.new for e in events if e.new != value] or ["9"]))
    events.append(event(len(events) + 1, value, stale, actor="dan", at=100.0))
    assert find_lost_updates(changes, events).lost == 1


@pytest.mark.django_db
def test_it_finds_a_stored_total_that_is_not_the_sum_of_the_scores(outline):
    evaluator = user_with_role(Role.EVALUATOR)
    sheet = assign(make_round(outline), OrganizationFactory(), evaluator)
    fill(sheet, evaluator, {"1.1": "2", "1.2": "2"})
    assert stored_mismatches({sheet.pk}, []) == []
    Sheet.objects.filter(pk=sheet.pk).update(total=Decimal("3"))
    problems = stored_mismatches({sheet.pk}, [])
    assert len(problems) == 1
    assert "4" in problems[0]
    assert f"sheet {sheet.pk}" in problems[0]
