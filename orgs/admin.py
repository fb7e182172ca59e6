"""Users are managed in the people pages only.

Django admin's own user and group pages would change accounts past the rules of `orgs.services.people`
(who may hold which grant, no superuser edited by a mere admin) and past the administrative
history, so they are taken out of the admin site.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

for model in (get_user_model(), Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
