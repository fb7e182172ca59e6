"""`manage.py check` warns when no Chinese font is installed, before a PDF prints empty boxes."""

import subprocess
from io import StringIO

from django.core import checks
from django.core.management import call_command

from reports import checks as font_checks


def test_it_warns_when_fontconfig_finds_no_chinese_font(monkeypatch):
    monkeypatch.setattr(font_checks, "find_cjk_fonts", lambda: [])
    [warning] = font_checks.check_cjk_font()
    assert warning.id == "reports.W001"
    assert warning.level == checks.WARNING
    assert "未找到中文字体" in warning.msg
    assert "No CJK" in warning.msg
    assert "fonts-noto-cjk" in warning.hint
    assert "apt-get install" in warning.hint


def test_it_is_silent_when_a_chinese_font_is_installed(monkeypatch):
    monkeypatch.setattr(font_checks, "find_cjk_fonts", lambda: ["Noto Sans CJK SC"])
    assert font_checks.check_cjk_font() == []


def test_manage_py_check_reports_it(monkeypatch):
    monkeypatch.setattr(font_checks, "find_cjk_fonts", lambda: [])
    assert any(m.id == "reports.W001" for m in checks.run_checks(tags=["fonts"]))
    err = StringIO()
    call_command("check", stdout=StringIO(), stderr=err)
    assert "reports.W001" in err.getvalue()


def test_it_reads_the_families_that_fc_list_names(monkeypatch):
    def fake_run(command, **kwargs):
        assert command[1:] == [":lang=zh", "family"]
        return subprocess.CompletedProcess(command, 0, "Noto Sans CJK SC,Noto Sans CJK JP\nWenQuanYi Micro Hei\n\n", "")

    monkeypatch.setattr(font_checks.shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(font_checks.subprocess, "run", fake_run)
    assert font_checks.find_cjk_fonts() == ["Noto Sans CJK JP", "Noto Sans CJK SC", "WenQuanYi Micro Hei"]


def test_it_finds_the_installed_noto_cjk_fonts():
    # This machine has fonts-noto-cjk, as the Makefile installs it.
    assert "Noto Sans CJK SC" in font_checks.find_cjk_fonts()
    assert font_checks.check_cjk_font() == []


def test_without_fc_list_it_asks_the_fontconfig_library(monkeypatch):
    monkeypatch.setattr(font_checks.shutil, "which", lambda name: None)
    assert "Noto Sans CJK SC" in font_checks.find_cjk_fonts()
