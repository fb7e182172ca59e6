from assessments.services.results import recompute_results
from assessments.services.rounds import (
    round_add_organizations,
    round_assign,
    round_close,
    round_copy,
    round_create,
    sheet_unassign,
)
from assessments.services.scoring import (
    FieldConflict,
    OtherChange,
    SaveResult,
    SheetConflict,
    edits_from,
    sheet_save,
    stored_values,
)
from assessments.services.workflow import (
    WorkflowError,
    assessment_approve,
    assessment_reopen,
    assessment_return,
    sheet_submit,
)

__all__ = [
    "FieldConflict",
    "OtherChange",
    "SaveResult",
    "SheetConflict",
    "WorkflowError",
    "assessment_approve",
    "assessment_reopen",
    "assessment_return",
    "edits_from",
    "recompute_results",
    "round_add_organizations",
    "round_assign",
    "round_close",
    "round_copy",
    "round_create",
    "sheet_unassign",
    "sheet_save",
    "sheet_submit",
    "stored_values",
]
