"""A person's display name (common.people and its template filter)."""

from django.contrib.auth.models import User
from django.template import Context, Template

from common.people import display_name


def test_the_display_name_is_the_full_name():
    assert display_name(User(username="wang", first_name="王", last_name="考评")) == "王 考评"
    assert display_name(User(username="wang", first_name="王考评")) == "王考评"


def test_without_a_full_name_the_display_name_is_the_username():
    assert display_name(User(username="wang")) == "wang"
    assert display_name(User(username="wang", first_name=" ", last_name="")) == "wang"


def test_no_one_has_an_empty_display_name():
    assert display_name(None) == ""


def test_the_template_filter_says_the_same():
    template = Template("{% load people %}[{{ named|display_name }}][{{ plain|display_name }}][{{ none|display_name }}]"
                        "[{{ missing|display_name }}]")
    context = Context({"named": User(username="li", first_name="李审核"), "plain": User(username="li"), "none": None})
    assert template.render(context) == "[李审核][li][][]"
