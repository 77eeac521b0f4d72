"""The public verification of reports and certificates: codes, the answer, the page."""

from educert_common.verification.answer import Fact, Issuer, VerificationAnswer, VerificationState
from educert_common.verification.codes import display_code, new_code, normalise_code
from educert_common.verification.page import page_headers, render_answer_page, render_code_form
from educert_common.verification.texts import FormError

__all__ = [
    "Fact",
    "FormError",
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
