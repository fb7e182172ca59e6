from tests.assessments.evidence.common import media, stored, world  # noqa: F401 (fixtures for every module here)
