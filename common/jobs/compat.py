"""The one import of the Tasks API: django-tasks now, `django.tasks` from Django 6 on."""

from django_tasks import task

__all__ = ["task"]
