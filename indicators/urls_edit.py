"""Pages where admins clone, edit, publish and archive editions; included by indicators/urls.py."""

from django.urls import path

from indicators import views_edit

urlpatterns = [
    path("<slug:code>/clone/", views_edit.version_clone_view, name="version_clone"),
    path("<slug:code>/edit/", views_edit.version_edit, name="version_edit"),
    path("<slug:code>/publish/", views_edit.version_publish_view, name="version_publish"),
    path("<slug:code>/archive/", views_edit.version_archive_view, name="version_archive"),
]
