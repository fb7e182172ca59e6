from assessments.services.results import recompute_results
from assessments.services.rounds import (
    round_add_organizations,
    round_assign,
    round_close,
    round_copy,
    round_create,
    sheet_unassign,
)
from assessments.services.scoring import ConcurrentEdit, Entry, changes_since, clean_entries, sheet_save
from assessments.services.workflow import (
    WorkflowError,
    assessment_approve,
    assessment_reopen,
    assessment_return,
    sheet_submit,
)

__all__ = [
    "ConcurrentEdit",
    "Entry",
    "WorkflowError",
    "assessment_approve",
    "assessment_reopen",
    "assessment_return",
    "changes_since",
    "clean_entries",
    "recompute_results",
    "round_add_organizations",
    "round_assign",
    "round_close",
    "round_copy",
    "round_create",
    "sheet_unassign",
    "sheet_save",
    "sheet_submit",
]
