"""The verification page's wording in Chinese and English (one table per language)."""

from typing import Literal

from educert_common.i18n import Language

FormError = Literal["malformed", "unavailable", "rate_limited"]

# Words around the answer: labels, links, the footer.
CHROME: dict[Language, dict[str, str]] = {
    "zh": {
        "site": "EduCert 在线验证",
        "switch": "English",
        "code": "验证码",
        "photo": "持有人照片",
        "issuer": "签发机构",
        "validity": "有效期",
        "valid_from": "生效时间",
        "valid_until": "有效期至",
        "checked_at": "查询时间",
        "another": "查询其他验证码",
        "footer": "本页结果由 EduCert 根据签发机构报送的记录即时生成。",
        "form_title": "在线验证",
        "form_label": "请输入验证码",
        "form_submit": "查询",
        "form_hint": "验证码印在报告二维码旁；字母不区分大小写，连字符可省略。",
    },
    "en": {
        "site": "EduCert online verification",
        "switch": "中文",
        "code": "Verification code",
        "photo": "Photo of the holder",
        "issuer": "Issued by",
        "validity": "Validity",
        "valid_from": "Valid from",
        "valid_until": "Valid until",
        "checked_at": "Checked at",
        "another": "Check another code",
        "footer": "EduCert answers at once from the record the issuing institution reported.",
        "form_title": "Online verification",
        "form_label": "Verification code",
        "form_submit": "Check",
        "form_hint": (
            "The code is printed next to the QR code on the document. Letters may be typed in "
            "either case; hyphens are optional."
        ),
    },
}

# One distinct headline per state, with a mark that does not rely on colour alone.
MARKS = {
    "valid": "✓",
    "not_yet_valid": "◷",
    "expired": "⌛",
    "closed": "■",
    "revoked": "✕",
    "unknown": "?",
}
HEADLINES: dict[Language, dict[str, str]] = {
    "zh": {
        "valid": "有效",
        "not_yet_valid": "尚未生效",
        "expired": "已过期",
        "closed": "已被持有人关闭",
        "revoked": "已撤销",
        "unknown": "未找到该验证码",
    },
    "en": {
        "valid": "Valid",
        "not_yet_valid": "Not yet valid",
        "expired": "Expired",
        "closed": "Closed by the holder",
        "revoked": "Revoked",
        "unknown": "Unknown code",
    },
}
# What the state means, with {since}, {valid_from}, {code} filled in.
EXPLANATIONS: dict[Language, dict[str, str]] = {
    "zh": {
        "valid": "该文件真实有效，由签发机构报送的记录证明。",
        "not_yet_valid": "该文件真实，但自 {valid_from} 起才生效。",
        "expired": "该文件已于 {since} 过期，不再作为证明。如需核验，请联系持有人提供新的报告。",
        "closed": (
            "持有人已于 {since} 关闭此文件的在线验证。这并不表示文件内容有误；"
            "如需核验，请联系持有人重新开通或提供新的报告。"
        ),
        "revoked": "签发机构已于 {since} 撤销该文件，该文件不再有效。",
        "unknown": (
            "没有与验证码 {code} 对应的文件。请核对验证码是否输入正确；"
            "如仍查询不到，该文件可能不是 EduCert 签发的真实文件。"
        ),
    },
    "en": {
        "valid": "This document is genuine and in force, as the issuer's reported record shows.",
        "not_yet_valid": "This document is genuine but takes effect only on {valid_from}.",
        "expired": (
            "This document expired on {since} and no longer proves anything. Ask the holder "
            "for a current one."
        ),
        "closed": (
            "The holder closed online verification of this document on {since}. This does not "
            "mean it was false; ask the holder to reopen it or to provide a new one."
        ),
        "revoked": "The issuer revoked this document on {since}. It is no longer valid.",
        "unknown": (
            "No document has the code {code}. Check that it was typed correctly; if it is "
            "still not found, the document was not issued by EduCert."
        ),
    },
}
REASON = {"zh": "撤销原因：{reason}", "en": "Reason: {reason}"}
FACTS_HEADINGS: dict[Language, dict[str, str]] = {
    "zh": {
        "current": "文件内容",
        "former": "文件内容（已不再作为证明）",
        "revoked": "被撤销文件的内容",
    },
    "en": {
        "current": "What the document states",
        "former": "What it stated (no longer vouched for)",
        "revoked": "What the revoked document stated",
    },
}
# Labels of the moment the state began, in the validity list.
SINCE_LABELS: dict[Language, dict[str, str]] = {
    "zh": {"expired": "过期时间", "closed": "关闭时间", "revoked": "撤销时间"},
    "en": {"expired": "Expired on", "closed": "Closed on", "revoked": "Revoked on"},
}
# The issuer as the institution registry knows it now; {successor} is filled in when known.
REGISTRY_NOTES: dict[Language, dict[str, str]] = {
    "zh": {
        "merged": "该机构已合并。",
        "merged_into": "该机构已合并入{successor}。",
        "closed": "该机构已停办。",
        "closed_successor": "该机构已停办，其档案由{successor}承继。",
        "unknown": "无法从机构名录确认该机构的当前状态。",
    },
    "en": {
        "merged": "This institution has merged with another.",
        "merged_into": "This institution has merged into {successor}.",
        "closed": "This institution has closed.",
        "closed_successor": "This institution has closed; {successor} holds its records.",
        "unknown": "The institution's current status could not be confirmed from the registry.",
    },
}
FORM_ERRORS: dict[Language, dict[FormError, str]] = {
    "zh": {
        "malformed": "这不是格式正确的验证码，请核对后重新输入。",
        "unavailable": "暂时无法查询验证结果，请稍后再试。这不代表文件无效。",
        "rate_limited": "查询过于频繁，请稍后再试。",
    },
    "en": {
        "malformed": "That is not a well-formed code. Check it and type it again.",
        "unavailable": (
            "The result cannot be looked up right now; please try again shortly. This says "
            "nothing about the document."
        ),
        "rate_limited": "Too many checks from this connection; please wait a minute and retry.",
    },
}
