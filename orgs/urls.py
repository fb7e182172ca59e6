from django.urls import path

from orgs.views import excel, tree

app_name = "orgs"

# The Excel routes and "new" come before "<code>/" so that they are never read as a code.
urlpatterns = [
    *excel.urlpatterns,
    path("", tree.tree, name="tree"),
    path("new/", tree.create, name="create"),
    path("<str:code>/", tree.detail, name="detail"),
    path("<str:code>/children/", tree.children, name="children"),
    path("<str:code>/edit/", tree.edit, name="edit"),
]
