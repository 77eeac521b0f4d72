"""The small page behind a verification alert's close link: a button, then a confirmation.
Inline styles only (the verification pages' Content-Security-Policy allows nothing else)."""

from html import escape
from typing import Literal

WORDS = {
    "zh": {
        "title": "关闭在线验证报告",
        "ask": "关闭后，任何人再用验证码查询此报告，都只会看到“已由持有人关闭”。此操作不可撤销。",
        "button": "关闭报告",
        "done": "报告已关闭。此后的查询将显示“已由持有人关闭”。",
    },
    "en": {
        "title": "Close your online verification report",
        "ask": "Once closed, anyone who checks this report's code sees only that its holder "
        "closed it. This cannot be undone.",
        "button": "Close the report",
        "done": "The report is closed. From now on it verifies as closed by its holder.",
    },
}
STYLE = (
    "body{font-family:system-ui,'PingFang SC','Noto Sans CJK SC',sans-serif;margin:0;"
    "padding:24px;max-width:560px}h1{font-size:1.3rem}button{font-size:1rem;padding:10px 18px;"
    "border:0;border-radius:6px;background:#b42318;color:#fff}"
)


def render_close_confirmation(
    token: str, language: Literal["zh", "en"], *, done: bool = False
) -> str:
    words = WORDS[language]
    body = (
        f"<p>{escape(words['done'])}</p>"
        if done
        else (
            f"<p>{escape(words['ask'])}</p>"
            f'<form method="post" action="{escape(token, quote=True)}">'
            f'<button type="submit">{escape(words["button"])}</button></form>'
        )
    )
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(words['title'])}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(words['title'])}</h1>{body}</body></html>"
    )
