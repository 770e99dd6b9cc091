"""The printable letters: every student on their own page, a scannable QR, Chinese that renders."""

import pypdfium2 as pdfium
import pytest
import zxingcpp

from wuzha.notices import pdf, services
from wuzha.notices.content import BUILTINS
from wuzha.notices.models import PdfJob

from .conftest import typed

pytestmark = pytest.mark.django_db
BASE = "https://wuzha.example.cn"


def page_texts(data: bytes) -> list[str]:
    doc = pdfium.PdfDocument(data)
    return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]


def test_letters_have_one_page_per_student_with_a_scannable_qr(world, letter):
    data = pdf.letters_pdf(letter, world.school, BASE)
    texts = page_texts(data)
    deliveries = list(
        letter.deliveries.select_related("person").order_by("unit__path", "person__number")
    )
    assert len(texts) == len(deliveries) == 3
    doc = pdfium.PdfDocument(data)
    for i, delivery in enumerate(deliveries):
        assert delivery.person.name in texts[i]
        assert pdf.format_code(delivery.code) in texts[i]
        image = doc[i].render(scale=2).to_pil()
        codes = [r.text for r in zxingcpp.read_barcodes(image)]
        assert codes == [f"{BASE}/s/{delivery.token}/"]


def test_chinese_text_is_extractable_and_inked(world, letter):
    data = pdf.letters_pdf(letter, world.class_a, BASE)
    text = page_texts(data)[0]
    assert letter.title in text
    assert "十二类骗局" in text and "110" in text
    assert "\ufffd" not in text
    # The title line is drawn: the top band of the page has dark pixels.
    doc = pdfium.PdfDocument(data)
    image = doc[0].render(scale=1).to_pil().convert("L")
    band = image.crop((0, 40, image.width, 75))
    assert band.getextrema()[0] < 100


def test_every_builtin_text_is_in_the_pdf_font_charset():
    """STSong-Light covers GB 18030's common set: text outside it would print as empty boxes."""
    for template in BUILTINS:
        for text in (template.title, template.body, template.receipt_text):
            text.encode("gb2312")


def test_poster_qr_decodes(world, letter):
    link = letter.class_links.get(unit=world.class_a)
    url = f"{BASE}/c/{link.token}/"
    data = pdf.poster_pdf(letter, world.class_a, url)
    image = pdfium.PdfDocument(data)[0].render(scale=2).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]
    assert "三年级1班" in page_texts(data)[0]


def test_archive_lists_signer_relation_method_and_chain(world, letter):
    from .conftest import signature_png

    delivery = letter.deliveries.get(person=world.student_a)
    services.notice_sign(
        delivery=delivery,
        data=services.SignInput("王建国", "father", "drawn", image=signature_png()),
    )
    data = pdf.archive_pdf(letter, world.class_a)
    text = page_texts(data)[0]
    assert "王小明" in text and "王建国" in text and "父亲" in text and "手写签名" in text
    assert "李小红" in text and "未签署" in text


def test_pdf_job_records_progress_and_file(world, letter, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.pdf_job_start(
            notice=letter, unit=world.school, kind="letters", by=world.leader, base_url=BASE
        )
    job.refresh_from_db()
    assert job.status == PdfJob.Status.DONE
    assert (job.done, job.total) == (3, 3)
    assert len(pdfium.PdfDocument(job.file.read())) == 3


def test_typed_signature_shows_in_archive(world, letter):
    services.notice_sign(delivery=letter.deliveries.get(person=world.student_b), data=typed())
    text = page_texts(pdf.archive_pdf(letter, world.class_b))[0]
    assert "输入签名：王建国" in text
