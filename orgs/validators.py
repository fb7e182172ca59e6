from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Codes appear in URLs (/orgs/<code>/) and in Excel files, so they keep to plain characters.
code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("编码只能包含字母、数字、点、下划线和连字符，并以字母或数字开头。"),
)
RESERVED_CODES = {"new", "import", "export.xlsx"}
