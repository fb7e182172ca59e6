import pytest

# The shared helpers assert too; rewritten, their failures show the values as a test's own do.
pytest.register_assert_rewrite("tests.worlds")
