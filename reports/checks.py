"""A system check that a Chinese font is installed: without one WeasyPrint still writes the PDFs,
with every Chinese character drawn as an empty box, and nobody notices until a meeting."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from django.core.checks import CheckMessage, Warning

# The families the print stylesheet asks for, in its order.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", "Source Han Sans SC")


def find_cjk_fonts() -> list[str]:
    """The installed font families that cover Chinese, as fontconfig (and so WeasyPrint) sees them."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            result = subprocess.run(  # noqa: S603 - a fixed command, no user input
                [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=True
            )
        except (OSError, subprocess.SubprocessError):
            pass
        else:
            return sorted({name.strip() for line in result.stdout.splitlines() for name in line.split(",") if name})
    return _matched_families()


def _matched_families() -> list[str]:
    """Without the fc-list tool (slim images ship only the library), ask libfontconfig through
    WeasyPrint which of our families it would really use."""
    try:
        from weasyprint.text.ffi import ffi, fontconfig
    except Exception:  # no WeasyPrint libraries at all: nothing can be printed
        return []
    found = []
    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        for family in CJK_FAMILIES:
            pattern = fontconfig.FcPatternCreate()
            fontconfig.FcPatternAddString(pattern, b"family", family.encode())
            fontconfig.FcConfigSubstitute(config, pattern, fontconfig.FcMatchPattern)
            fontconfig.FcDefaultSubstitute(pattern)
            match = fontconfig.FcFontMatch(config, pattern, ffi.new("FcResult *"))
            fontconfig.FcPatternDestroy(pattern)
            if match == ffi.NULL:
                continue
            name = ffi.new("FcChar8 **")
            # fontconfig falls back to some other font when the family is missing.
            if (
                fontconfig.FcPatternGetString(match, b"family", 0, name) == fontconfig.FcResultMatch
                and ffi.string(name[0]).decode().casefold() == family.casefold()
            ):
                found.append(family)
            fontconfig.FcPatternDestroy(match)
    finally:
        fontconfig.FcConfigDestroy(config)
    return found


def check_cjk_font(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if find_cjk_fonts():
        return []
    # Read by whoever installs the server, maybe before any translation works: both languages.
    return [
        Warning(
            "未找到中文字体，生成的 PDF 中汉字将显示为方框。 "
            "No CJK (Chinese) font found: Chinese text in generated PDFs would print as empty boxes.",
            hint="请安装 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk）。 "
            "Install fonts-noto-cjk (Debian/Ubuntu: apt-get install fonts-noto-cjk).",
            id="reports.W001",
        )
    ]
