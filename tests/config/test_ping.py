"""The trivial page that benchmarks and the load test measure every page against."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_shows_a_signed_in_user_the_site_layout_and_reads_nothing_of_its_own(
    user_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # the session and the user: what any signed-in page reads
        response = user_client.get(reverse("ping"))
    assert response.status_code == 200
    assert "系统正常运行" in response.content.decode()


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("ping"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
