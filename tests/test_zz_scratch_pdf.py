import time
import pytest
from assessments.models import Assessment
from orgs.models import Organization, Role
from reports.pdf import score_sheet_pdf
from tests.factories import build_tree, make_round, user_with_role
from tests.test_report_ranking import score_unit

pytestmark = pytest.mark.django_db

def test_scratch(outline):
    build_tree(districts=1, branches_per_district=1)
    ev, admin = user_with_role(Role.EVALUATOR, first_name="张考评"), user_with_role(Role.ADMIN, first_name="李审核")
    round = make_round(outline, title="2026年度学习型党组织考评")
    score_unit(round, Organization.objects.get(code="BD000B0000"), ev, admin, {"1.1": "2", "4.2": "6.5", "7.4": "3"})
    a = Assessment.objects.get()
    t = time.time()
    pdf = score_sheet_pdf(a)
    print("secs", time.time() - t)
    open("/tmp/kp/sheet.pdf", "wb").write(pdf)
