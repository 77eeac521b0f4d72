"""The public verification of reports and certificates: codes, the answer, the page."""

from educert_common.verification.answer import Fact, Issuer, VerificationAnswer, VerificationState
from educert_common.verification.codes import display_code, new_code, normalise_code
from educert_common.verification.page import page_headers, render_answer_page, render_code_form

__all__ = [
    "Fact",
    "Issuer",
    "VerificationAnswer",
    "VerificationState",
    "display_code",
    "new_code",
    "normalise_code",
    "page_headers",
    "render_answer_page",
    "render_code_form",
]
