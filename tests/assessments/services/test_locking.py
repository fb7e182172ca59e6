"""A save's row locks: the assessment's, then the sheet's, taken in one statement."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from assessments.services.locking import locked_sheet
from orgs.models import Role
from tests.factories import OrganizationFactory, assign, make_round, user_with_role


@pytest.fixture
def sheet(outline):
    return assign(make_round(outline), OrganizationFactory(code="L1"), user_with_role(Role.EVALUATOR))


@pytest.mark.django_db
def test_it_reads_both_rows_with_round_edition_and_evaluator_in_one_statement(sheet):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        fresh = locked_sheet(sheet)
        seen = (fresh.assessment.round.indicator_system.code, fresh.evaluator_id, fresh.evaluator.username)
    assert seen == ("dalian-2010", sheet.evaluator_id, sheet.evaluator.username)
    [query] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    if connection.features.has_select_for_update_of:
        assert query.endswith('FOR UPDATE OF "assessments_assessment", "assessments_sheet"')
    else:
        # No row locks in SQLite: every write transaction begins IMMEDIATE and holds the database.
        assert "FOR UPDATE" not in query
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_a_save_waiting_for_the_sheet_already_holds_the_assessment(sheet):
    """What the order buys: whoever holds the sheet (and so, by the same rule, the assessment)
    is never waiting for a save that holds the assessment and waits for the sheet."""
    if connection.vendor != "postgresql":
        # SQLite: a second writer cannot even begin while the first one's transaction is open.
        with transaction.atomic():
            locked_sheet(sheet)
            assert connection.in_atomic_block
            assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        return
    holder, probe = connections.create_connection("default"), connections.create_connection("default")
    waiting = threading.Event()

    def save() -> None:
        with transaction.atomic():
            waiting.set()
            locked_sheet(sheet)
        connection.close()

    try:
        with holder.cursor() as cursor:
            holder.set_autocommit(False)
            cursor.execute("SELECT id FROM assessments_sheet WHERE id = %s FOR UPDATE", [sheet.pk])
            thread = threading.Thread(target=save)
            thread.start()
            waiting.wait(5)
            probe.set_autocommit(False)
            with probe.cursor() as probing:
                probing.execute("SET lock_timeout = '3s'")
                # Polled: the save reaches its lock some moments after the thread starts.
                for _ in range(30):
                    probing.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'")
                    if probing.fetchone()[0]:
                        break
                    threading.Event().wait(0.1)
                probing.execute(
                    "SELECT id FROM assessments_assessment WHERE id = %s FOR UPDATE SKIP LOCKED", [sheet.assessment_id]
                )
                assert probing.fetchall() == []  # the waiting save holds it
            probe.rollback()
            holder.rollback()
            thread.join(10)
            assert not thread.is_alive()
    finally:
        holder.close()
        probe.close()
