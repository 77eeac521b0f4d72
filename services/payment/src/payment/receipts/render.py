"""Draw a receipt with the shared PDF machinery (educert_common.pdf)."""

from dataclasses import dataclass
from datetime import datetime

from educert_common.pdf import PageWriter, VerificationBlock, draw_verification_block, render_pdf
from educert_common.verification.codes import display_code
from payment.providers.base import CHINA, fen_to_yuan

CHANNEL_LABELS = {"wechat": "微信支付 WeChat Pay", "alipay": "支付宝 Alipay"}
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿"]


def amount_in_words(fen: int) -> str:
    """The amount in Chinese capital numerals, as on invoices: 36000 -> 人民币叁佰陆拾元整."""
    yuan, jiao, fen_part = fen // 100, fen // 10 % 10, fen % 10
    words = ""
    if yuan == 0:
        words = "零"
    section_index = 0
    while yuan > 0:
        section, yuan = yuan % 10000, yuan // 10000
        text, zero = "", False
        for position in range(4):
            digit = section // 10**position % 10
            if digit == 0:
                zero = bool(text)
                continue
            text = _DIGITS[digit] + _UNITS[position] + ("零" if zero else "") + text
            zero = False
        if text:
            needs_zero = yuan > 0 and section < 1000
            words = ("零" if needs_zero else "") + text + _SECTIONS[section_index] + words
        section_index += 1
    words += "元"
    if jiao == 0 and fen_part == 0:
        return f"人民币{words}整"
    tail = (_DIGITS[jiao] + "角" if jiao else "零") + (_DIGITS[fen_part] + "分" if fen_part else "")
    return f"人民币{words}{tail.rstrip('零')}"


@dataclass(frozen=True)
class ReceiptFacts:
    order_no: str
    purpose_label: str
    amount_fen: int
    channel: str
    paid_at: datetime
    transaction_id: str
    payer: str | None
    code: str
    verify_url: str
    refunded_fen: int = 0


def render_receipt(facts: ReceiptFacts) -> bytes:
    """Return the receipt's PDF bytes."""
    paid_local = facts.paid_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    rows = [
        ("收款方 Payee", "EduCert 学历学位认证平台"),
        ("订单号 Order no.", facts.order_no),
        ("项目 Item", facts.purpose_label),
        ("金额 Amount", f"¥{fen_to_yuan(facts.amount_fen)}  {amount_in_words(facts.amount_fen)}"),
        ("支付方式 Channel", CHANNEL_LABELS.get(facts.channel, facts.channel)),
        ("支付时间 Paid at", f"{paid_local} (北京时间 UTC+8)"),
        ("交易号 Transaction", facts.transaction_id),
    ]
    if facts.payer:
        rows.append(("付款人 Account holder", facts.payer))
    if facts.refunded_fen:
        rows.append(("已退款 Refunded", f"¥{fen_to_yuan(facts.refunded_fen)}"))

    def draw(page: PageWriter) -> None:
        page.title("电子收据", subtitle="Payment Receipt", size=20)
        page.rule()
        page.key_values(rows)
        page.rule(gap=10)
        draw_verification_block(
            page, VerificationBlock(code=display_code(facts.code), url=facts.verify_url)
        )
        page.paragraph(
            "本收据由系统自动生成，可凭验证码在线核验。This receipt was issued automatically; "
            "anyone holding the verification code can check it online.",
            size=8,
        )

    return render_pdf(
        draw,
        title=f"Receipt {facts.order_no}",
        subject="Payment receipt",
        footer="EduCert · 学历学位认证平台",
    )
