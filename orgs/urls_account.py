from django.urls import URLPattern, path

from orgs.views import account

app_name = "account"

urlpatterns: list[URLPattern] = [
    path("", account.account_index, name="index"),
    path("password/", account.password_change, name="password_change"),
    path("two-factor/enrol/", account.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/verify/", account.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery-codes/", account.recovery_codes_regenerate, name="recovery_codes"),
]
