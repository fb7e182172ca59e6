"""Reports write nothing of their own: they read what assessments store. A batch print, or a
large workbook, is a job of the job engine (common.jobs.Job), which keeps its progress and files."""
