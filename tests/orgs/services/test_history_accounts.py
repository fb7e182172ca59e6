"""Sign-in changes are in the user's history: passwords set (never their text), second factors bound and reset."""

import pytest
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.audit import history_of
from orgs.services import accounts, people
from tests.factories import AdminFactory, UserFactory
from tests.worlds import totp_code

pytestmark = pytest.mark.django_db
SECRET = "Xuexi-Temp-2026!"


def actions(user) -> list[tuple[str, int | None]]:
    return [(event.action, event.actor_id) for event in history_of(user).order_by("id")]


def test_it_records_a_temporary_password_and_the_users_own_change_without_either_password():
    admin, person = AdminFactory(), UserFactory()
    accounts.user_set_temporary_password(user=person, password=SECRET, by=admin)
    accounts.password_change(user=person, password=SECRET + "x")
    assert actions(person) == [("temporary", admin.pk), ("password", person.pk)]
    assert SECRET not in str(list(history_of(person).values("changes", "note", "target")))


def test_a_refused_temporary_password_records_nothing():
    admin = AdminFactory()
    with pytest.raises(ValidationError):
        accounts.user_set_temporary_password(user=admin, password=SECRET, by=admin)
    assert actions(admin) == []


def test_it_records_a_password_typed_for_someone_else_as_temporary_and_ones_own_as_a_change():
    admin, person = AdminFactory(), UserFactory()
    for user in (person, admin):
        people.user_update(user=user, username=user.username, full_name=user.get_full_name(), email=user.email,
                           is_active=True, password=SECRET, by=admin)
    assert actions(person) == [("temporary", admin.pk)]
    assert actions(admin) == [("password", admin.pk)]


def test_it_records_binding_regenerating_and_resetting_the_second_factor():
    admin, other = AdminFactory(), AdminFactory()
    device = accounts.totp_device_for_enrolment(user=other)
    assert accounts.totp_enrol(user=other, device=device, token=totp_code(device.bin_key)) is not None
    accounts.recovery_codes_regenerate(user=other)
    assert accounts.two_factor_reset(user=other, by=admin) > 0
    assert accounts.two_factor_reset(user=other, by=admin) == 0
    assert actions(other) == [("enrol", other.pk), ("codes", other.pk), ("reset_2fa", admin.pk)]
    assert not TOTPDevice.objects.filter(user=other).exists()


def test_a_wrong_code_binds_nothing_and_records_nothing():
    other = AdminFactory()
    device = accounts.totp_device_for_enrolment(user=other)
    assert accounts.totp_enrol(user=other, device=device, token="000000" if totp_code(device.bin_key) != "000000"
                               else "111111") is None
    assert actions(other) == []
