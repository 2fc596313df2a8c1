"""One content check for every PDF, Word and image upload: a file is taken only when
it opens as what it claims to be (portal/uploads.py)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.uploads import DOCX, EVIDENCE_KINDS, JPEG, PDF, PNG, check_file_content
from tests.factories import xlsx_bytes
from tests.samples import (
    HTML_AS_JPEG,
    HTML_AS_PDF,
    HTML_AS_PNG,
    OLE_HEADER,
    docx_bytes,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
)

MB = 1024 * 1024
ALL = [*EVIDENCE_KINDS, DOCX]


def refusal(content: bytes, name: str, kinds=ALL) -> str:
    with pytest.raises(ValidationError) as caught:
        check_file_content(SimpleUploadedFile(name, content), kinds=kinds, max_bytes=20 * MB)
    [message] = caught.value.messages
    return message


@pytest.mark.parametrize(
    ("content", "kind"),
    [(pdf_bytes(), PDF), (png_bytes(), PNG), (jpeg_bytes(), JPEG), (docx_bytes("通知"), DOCX)],
)
def test_real_files_of_each_kind_are_taken(content, kind):
    upload = SimpleUploadedFile("文件", content)
    assert check_file_content(upload, kinds=ALL, max_bytes=20 * MB) == kind
    assert upload.tell() == 0  # ready to be stored


@pytest.mark.parametrize(
    ("content", "name", "kind"),
    [
        (HTML_AS_PDF, "证明.pdf", "PDF"),
        (b"%PDF-1.4\n%%EOF\n", "证明.pdf", "PDF"),
        (pdf_bytes()[:-400], "截断.pdf", "PDF"),
        (HTML_AS_PNG, "照片.png", "PNG"),
        (HTML_AS_JPEG, "照片.jpg", "JPG"),
        (jpeg_bytes()[: len(jpeg_bytes()) // 2], "截断.jpg", "JPG"),
    ],
)
def test_look_alikes_are_refused_as_not_opening(content, name, kind):
    message = refusal(content, name)
    assert message == f"{name} 无法作为{kind}文件打开：文件已损坏，或并非其所声称的格式。"


def test_a_pdf_without_pages_is_refused():
    from pypdf import PdfWriter

    buffer = io.BytesIO()
    PdfWriter().write(buffer)
    assert "无法作为PDF文件打开" in refusal(buffer.getvalue(), "空白.pdf")


def test_a_png_with_a_damaged_chunk_is_refused():
    content = bytearray(png_bytes())
    content[20] ^= 0xFF  # inside IHDR: its checksum no longer matches
    assert "无法作为PNG文件打开" in refusal(bytes(content), "照片.png")


def test_an_ole_header_is_refused_as_legacy_word_with_what_to_do():
    message = refusal(OLE_HEADER, "通知.doc", kinds=[DOCX])
    assert message == "通知.doc 是旧版Word文档（.doc），请另存为 .docx 后上传。"


def test_a_zip_that_is_not_a_word_document_is_refused():
    workbook = xlsx_bytes(["姓名"], [["艾丽丝"]])
    assert "无法作为Word (.docx)文件打开" in refusal(workbook, "通知.docx", kinds=[DOCX])


def test_a_word_document_that_unpacks_to_far_more_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(docx_bytes())) as real:
            for entry in real.infolist():
                archive.writestr(entry, real.read(entry))
        archive.writestr("word/media/padding.bin", b"\x00" * (4 * MB))
    assert "无法作为Word (.docx)文件打开" in refusal(buffer.getvalue(), "通知.docx", kinds=[DOCX])


def test_a_kind_not_taken_here_is_named_in_the_refusal():
    message = refusal(docx_bytes(), "论文.docx", kinds=EVIDENCE_KINDS)
    assert message == "论文.docx 不是PDF、JPG或PNG文件（按文件内容判断，而非文件名）。"
    assert "不是PDF文件" in refusal(png_bytes(), "通知.pdf", kinds=[PDF])


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(ValidationError, match="超过1MB"):
        check_file_content(SimpleUploadedFile("大.pdf", b"x" * (MB + 1)), kinds=[PDF], max_bytes=MB)
