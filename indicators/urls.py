from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.version_list, name="version_list"),
    path("<slug:code>/", views.version_detail, name="version_detail"),
]
