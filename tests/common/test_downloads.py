"""Download responses (common.downloads): RFC 6266 file names, streamed files."""

import io
from urllib.parse import quote

from common.downloads import attachment, file_attachment, safe_filename, xlsx_attachment
from common.xlsx import XLSX_CONTENT_TYPE


def test_a_chinese_file_name_goes_out_as_rfc_6266_utf8():
    response = xlsx_attachment(lambda target: target.write(b"PK-workbook"), filename="中山区_2025年度_排名.xlsx")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("中山区_2025年度_排名.xlsx")
    # Percent-encoded UTF-8: 中 is E4 B8 AD.
    assert "''%E4%B8%AD%E5%B1%B1%E5%8C%BA_2025%E5%B9%B4%E5%BA%A6_" in response["Content-Disposition"]
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert b"".join(response.streaming_content) == b"PK-workbook"


def test_an_ascii_file_name_goes_out_quoted():
    response = attachment(b"%PDF-1.7", filename="ranking 2025.pdf", content_type="application/pdf")
    assert response["Content-Disposition"] == 'attachment; filename="ranking 2025.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.7"


def test_a_file_attachment_streams_the_file_and_closes_it(db):  # closing signals request_finished
    handle = io.BytesIO(b"evidence")
    response = file_attachment(handle, filename="会议记录.pdf", content_type="application/pdf")
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("会议记录.pdf")
    assert response["Content-Length"] == "8"
    assert b"".join(response.streaming_content) == b"evidence"
    response.close()
    assert handle.closed


def test_safe_filename_keeps_chinese_and_replaces_what_windows_refuses():
    assert safe_filename("2025/2026年度：中山区?*排名.xlsx") == "2025_2026年度：中山区_排名.xlsx"
    assert safe_filename('a\\b:c"d<e>f|g\x01h') == "a_b_c_d_e_f_g_h"
    assert safe_filename(" 中山区. ") == "中山区"
    assert safe_filename("...") == "kaoping"
