from django.urls import URLPattern, path

from orgs.views import people

app_name = "people"

urlpatterns: list[URLPattern] = [
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
