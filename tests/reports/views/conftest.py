import pytest

from orgs.models import Role
from tests.factories import user_with_role


@pytest.fixture
def people(db):
    """An evaluator (outside every report) and an admin (who sees them all)."""
    return {"evaluator": user_with_role(Role.EVALUATOR), "admin": user_with_role(Role.ADMIN)}
