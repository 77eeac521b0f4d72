"""The receipt's drawing: amounts in Chinese capitals, and the PDF's text."""

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from payment.receipts.render import ReceiptFacts, amount_in_words, render_receipt


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (36000, "人民币叁佰陆拾元整"),
        (200, "人民币贰元整"),
        (10005, "人民币壹佰元零伍分"),
        (100500, "人民币壹仟零伍元整"),
        (1, "人民币零元零壹分"),
        (12345678, "人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
        (100000000, "人民币壹佰万元整"),
        (1000100, "人民币壹万零壹元整"),
    ],
)
def test_amount_in_words(fen: int, words: str) -> None:
    assert amount_in_words(fen) == words


def test_receipt_text_extracts() -> None:
    pdf = render_receipt(
        ReceiptFacts(
            order_no="0" * 32,
            purpose_label="图像校对技术服务费 Photo check fee",
            amount_fen=200,
            channel="alipay",
            paid_at=datetime(2026, 11, 24, 16, 30, tzinfo=UTC),
            transaction_id="2026112422001",
            payer="王*",
            code="ABCD2345EFGH",
            verify_url="https://educert.example/api/v1/payment/receipts/ABCD2345EFGH",
            refunded_fen=100,
        )
    )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for expected in (
        "电子收据",
        "¥2.00",
        "人民币贰元整",
        "支付宝",
        "2026-11-25 00:30:00",
        "王*",
        "ABCD-2345-EFGH",
        "已退款",
        "¥1.00",
    ):
        assert expected in text, expected
