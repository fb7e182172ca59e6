from assessments.models.audit import AuditAction, AuditEvent
from assessments.models.evidence import Evidence
from assessments.models.rounds import MergeMethod, Round, RoundState
from assessments.models.scoring import (
    LOCKED_SHEET,
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
from assessments.models.stats import ReportStat, StatKind

__all__ = [
    "LOCKED_SHEET",
    "Assessment",
    "AssessmentState",
    "AuditAction",
    "AuditEvent",
    "CategoryResult",
    "Evidence",
    "ItemResult",
    "LockedError",
    "MergeMethod",
    "ReportStat",
    "Round",
    "RoundState",
    "Score",
    "Sheet",
    "SheetKind",
    "SheetState",
    "StatKind",
    "WorkflowError",
]
