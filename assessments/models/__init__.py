from assessments.models.audit import AuditAction, AuditEvent
from assessments.models.evidence import Evidence
from assessments.models.rounds import MergeMethod, Round, RoundState
from assessments.models.scoring import (
    Assessment,
    AssessmentState,
    CategoryResult,
    ItemResult,
    LockedError,
    Score,
    Sheet,
    SheetKind,
    SheetState,
    WorkflowError,
)

__all__ = [
    "Assessment",
    "AssessmentState",
    "AuditAction",
    "AuditEvent",
    "CategoryResult",
    "Evidence",
    "ItemResult",
    "LockedError",
    "MergeMethod",
    "Round",
    "RoundState",
    "Score",
    "Sheet",
    "SheetKind",
    "SheetState",
    "WorkflowError",
]
