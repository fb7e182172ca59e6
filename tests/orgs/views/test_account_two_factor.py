"""Two-factor sign-in for admins (django-otp, TOTP with recovery codes), when KAOPING_ADMIN_2FA is on."""

import re
from base64 import b32decode

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orgs.models import Role
from orgs.selectors.accounts import recovery_codes_left
from orgs.services import accounts
from tests.factories import AdminFactory, UserFactory, user_with_role
from tests.worlds import logged_in, production, signed_in, totp_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_on")]
ENROL, VERIFY = reverse("account:two_factor_enrol"), reverse("account:two_factor_verify")


@pytest.fixture
def two_factor_on():
    with override_settings(KAOPING_ADMIN_2FA=True):
        yield


def enrolled(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    accounts.recovery_codes_regenerate(user=user)
    return device


def sent_to(response, step: str) -> bool:
    return response.status_code == 302 and response["Location"].split("?")[0] == step


def test_it_sends_anonymous_visitors_to_login_from_the_two_factor_pages(client):
    person = UserFactory()
    urls = [ENROL, VERIFY, reverse("account:recovery_codes"),
            reverse("people:user_reset_two_factor", args=[person.pk])]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url


def test_the_two_factor_pages_are_for_admins_only(user_client):
    admin = AdminFactory()
    device = enrolled(admin)
    for url in (ENROL, VERIFY, reverse("account:recovery_codes"),
                reverse("people:user_reset_two_factor", args=[admin.pk])):
        for method in ("get", "post"):
            assert getattr(user_client, method)(url).status_code == 403, url
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not TOTPDevice.objects.exclude(user=admin).exists()


def test_an_admin_without_a_device_is_sent_to_enrol_from_everywhere_including_django_admin():
    client = signed_in(user_with_role(Role.ADMIN, is_staff=True))
    for url in ("/", "/orgs/", reverse("people:user_list"), reverse("account:index"), "/admin/", VERIFY):
        assert sent_to(client.get(url), ENROL), url
    assert sent_to(client.post("/orgs/"), ENROL)
    assert client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}).status_code == 302
    assert client.post(reverse("logout"))["Location"] == reverse("login")


def test_a_superuser_without_any_grant_is_an_admin_and_gated_too():
    client = signed_in(AdminFactory())
    assert sent_to(client.get("/admin/"), ENROL)
    assert sent_to(client.get("/admin/auth/user/"), ENROL)


def test_people_who_are_not_admins_sign_in_with_a_password_only():
    for user in (UserFactory(), user_with_role(Role.EVALUATOR)):
        assert signed_in(user).get("/").status_code == 200


@override_settings(KAOPING_ADMIN_2FA=False)
def test_with_the_setting_off_admins_are_not_asked():
    admin = AdminFactory()
    enrolled(admin)
    assert signed_in(admin).get("/admin/").status_code == 200


def test_an_admin_enrols_with_the_qr_code_and_sees_ten_recovery_codes_once():
    admin = user_with_role(Role.ADMIN, is_staff=True)
    client = signed_in(admin)
    page = client.get(ENROL + "?next=/orgs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html
    assert "<path" in html
    assert "style=" not in html
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1)
    key = b32decode(secret.replace(" ", ""))
    assert client.get(ENROL).content.decode().count(secret) == 1  # the same device until confirmed
    wrong = client.post(ENROL, {"code": "000000", "next": "/orgs/"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["code"] == ["验证码不正确或已过期，请重新输入。"]
    waiting = client.post(ENROL, {"code": totp_code(key), "next": "/orgs/"})
    assert re.fullmatch(r"错误次数过多，请在 \d+ 秒后再试。", waiting.context["form"].errors["code"][0])
    TOTPDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    done = client.post(ENROL, {"code": totp_code(key), "next": "/orgs/"})
    codes = done.context["codes"]
    assert done.status_code == 200
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    assert 'href="/orgs/"' in done.content.decode()
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert client.get("/orgs/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get(ENROL)["Location"] == reverse("account:index")  # no second device


def test_an_admin_with_a_device_is_asked_for_a_code_and_then_let_through():
    admin = user_with_role(Role.ADMIN, is_staff=True)
    device = enrolled(admin)
    client = signed_in(admin)
    response = client.get("/admin/")
    assert sent_to(response, VERIFY)
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    assert sent_to(client.get(ENROL), VERIFY)
    wrong = client.post(VERIFY, {"code": "12345", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "验证码不正确或已过期" in wrong.content.decode()
    TOTPDevice.objects.update(throttling_failure_timestamp=None, throttling_failure_count=0)
    right = client.post(VERIFY, {"code": totp_code(device.bin_key), "next": "/admin/"})
    assert right.status_code == 302
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("home")
    # The same code cannot be used again in another session.
    other = signed_in(admin)
    assert other.post(VERIFY, {"code": totp_code(device.bin_key)}).status_code == 200
    assert sent_to(other.get("/"), VERIFY)


def test_a_recovery_code_works_once():
    admin = AdminFactory()
    enrolled(admin)
    code = StaticToken.objects.filter(device__user=admin).first().token
    client = signed_in(admin)
    assert client.post(VERIFY, {"code": code.upper()})["Location"] == reverse("home")
    assert client.get("/").status_code == 200
    again = signed_in(admin)
    assert again.post(VERIFY, {"code": code}).status_code == 200
    assert recovery_codes_left(admin) == 9


def test_wrong_codes_make_the_next_attempt_wait():
    admin = AdminFactory()
    device = enrolled(admin)
    client = signed_in(admin)
    first = client.post(VERIFY, {"code": "000000"})
    assert first.context["form"].errors["code"] == ["验证码不正确或已过期，请重新输入。"]
    # Within the wait even the right code is refused unread (the wait doubles with each wrong one).
    throttled = client.post(VERIFY, {"code": totp_code(device.bin_key)})
    assert throttled.status_code == 200
    (message,) = throttled.context["form"].errors["code"]
    assert re.fullmatch(r"错误次数过多，请在 \d+ 秒后再试。", message)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    device.throttling_failure_timestamp = timezone.now() - timezone.timedelta(minutes=5)
    device.save()
    assert client.post(VERIFY, {"code": totp_code(device.bin_key)})["Location"] == reverse("home")


def test_an_admin_regenerates_recovery_codes_from_the_account_page():
    admin = AdminFactory()
    device = enrolled(admin)
    old = set(StaticToken.objects.values_list("token", flat=True))
    client = logged_in(admin)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    page = client.get(reverse("account:index")).content.decode()
    assert "已启用" in page
    assert "剩余 10 个恢复码" in page
    response = client.post(reverse("account:recovery_codes"))
    codes = response.context["codes"]
    assert len(codes) == 10
    assert not set(codes) & old
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    assert StaticDevice.objects.filter(user=admin).count() == 1
    assert client.get(reverse("account:recovery_codes")).status_code == 405


def test_an_admin_resets_another_admins_two_factor_and_that_admin_enrols_again():
    lost_phone = user_with_role(Role.ADMIN, username="wang")
    device = enrolled(lost_phone)
    their_session = signed_in(lost_phone)
    assert their_session.post(VERIFY, {"code": totp_code(device.bin_key)}).status_code == 302
    assert their_session.get("/").status_code == 200
    admin = AdminFactory()
    admin_session = signed_in(admin)
    admin_device = enrolled(admin)
    admin_session.post(VERIFY, {"code": totp_code(admin_device.bin_key)})
    edit = reverse("people:user_edit", args=[lost_phone.pk])
    assert "重置两步验证" in admin_session.get(edit).content.decode()
    response = admin_session.post(reverse("people:user_reset_two_factor", args=[lost_phone.pk]))
    assert response["Location"] == edit
    assert "已重置用户“wang”的两步验证" in admin_session.get(edit).content.decode()
    assert not TOTPDevice.objects.filter(user=lost_phone).exists()
    assert not StaticDevice.objects.filter(user=lost_phone).exists()
    assert sent_to(their_session.get("/"), ENROL)
    assert sent_to(signed_in(lost_phone).get("/"), ENROL)


def test_an_admin_cannot_reset_their_own_two_factor_nor_a_superusers_by_role():
    admin = user_with_role(Role.ADMIN)
    enrolled(admin)
    client = logged_in(admin)
    with override_settings(KAOPING_ADMIN_2FA=False):
        response = client.post(reverse("people:user_reset_two_factor", args=[admin.pk]))
        assert "不能重置自己的两步验证" in client.get(response["Location"]).content.decode()
        superuser = AdminFactory()
        enrolled(superuser)
        assert client.post(reverse("people:user_reset_two_factor", args=[superuser.pk])).status_code == 403
    assert TOTPDevice.objects.count() == 2


def test_check_deploy_warns_when_production_turns_admin_two_factor_off():
    result = production("check", "--deploy", "--fail-level", "WARNING", ADMIN_2FA="0")
    assert result.returncode != 0
    assert "orgs.W001" in result.stderr
    assert production("check", "--deploy", "--fail-level", "WARNING", ADMIN_2FA="1").returncode == 0
