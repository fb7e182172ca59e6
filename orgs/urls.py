"""Every route of the orgs app, mounted once at the site root by config/urls.py.

Four namespaces live here, each under its own prefix: `account` (accounts/), `orgs` (orgs/),
`people` (people/) and `audit` (audit/).
"""

from django.urls import URLPattern, URLResolver, include, path

from orgs.views import account, audit, excel, people, tree

account_patterns: list[URLPattern] = [
    path("", account.account_index, name="index"),
    path("password/", account.password_change, name="password_change"),
    path("two-factor/enrol/", account.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/verify/", account.two_factor_verify, name="two_factor_verify"),
    path("two-factor/recovery-codes/", account.recovery_codes_regenerate, name="recovery_codes"),
]

# The Excel routes and "new/" come before "<str:code>/" so that they are never read as a code.
tree_patterns: list[URLPattern] = [
    path("import/", excel.tree_import, name="tree_import"),
    path("import/template.xlsx", excel.tree_template, name="tree_template"),
    path("export.xlsx", excel.tree_export, name="tree_export"),
    path("", tree.tree, name="tree"),
    path("new/", tree.create, name="create"),
    path("<str:code>/", tree.detail, name="detail"),
    path("<str:code>/children/", tree.children, name="children"),
    path("<str:code>/edit/", tree.edit, name="edit"),
]

# "new/" and "locks/" are literal, so they never compete with the "<int:pk>/" routes.
people_patterns: list[URLPattern] = [
    path("", people.user_list, name="user_list"),
    path("new/", people.user_create, name="user_create"),
    path("locks/", people.address_lock_list, name="address_locks"),
    path("locks/unlock/", people.address_unlock, name="address_unlock"),
    path("<int:pk>/edit/", people.user_edit, name="user_edit"),
    path("<int:pk>/unlock/", people.user_unlock, name="user_unlock"),
    path("<int:pk>/password/", people.user_set_password, name="user_set_password"),
    path("<int:pk>/two-factor/reset/", people.user_reset_two_factor, name="user_reset_two_factor"),
    path("<int:pk>/grants/", people.grant_add, name="grant_add"),
    path("<int:pk>/grants/<int:grant_pk>/delete/", people.grant_remove, name="grant_remove"),
]

audit_patterns: list[URLPattern] = [
    path("", audit.log, name="log"),
]

urlpatterns: list[URLResolver] = [
    path("accounts/", include((account_patterns, "account"))),
    path("orgs/", include((tree_patterns, "orgs"))),
    path("people/", include((people_patterns, "people"))),
    path("audit/", include((audit_patterns, "audit"))),
]
