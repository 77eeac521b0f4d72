"""The public query's captcha (answers, images, keyed hashes) and how a typed name compares."""

import hmac
import secrets
import uuid
from hashlib import sha256
from io import BytesIO

from captcha.image import ImageCaptcha

from records.academic.rules import CHINESE_NAME, clean_text

# Letters and digits that do not look alike (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
ANSWER_LENGTH = 5
IMAGE_WIDTH, IMAGE_HEIGHT = 160, 60
# The statuses that mean "registered and studying" (报到入学), for the public answer.
CURRENT_STATUSES = ("enrolled", "resumed")
STATUS_LABEL_ZH = "报到入学"
STATUS_LABEL_EN = "Registered"


def new_answer() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ANSWER_LENGTH))


def normalise_answer(answer: str) -> str:
    """What people type: any case, stray spaces, full-width characters."""
    return "".join(clean_text(answer).split()).upper()


def answer_hash(key: bytes, captcha_id: uuid.UUID, answer: str) -> str:
    """The keyed hash stored for an answer, bound to its captcha (a hash moved to another
    captcha does not match there)."""
    message = f"{captcha_id.hex}:{normalise_answer(answer)}".encode()
    return hmac.new(key, message, sha256).hexdigest()


def answer_matches(key: bytes, captcha_id: uuid.UUID, answer: str, stored: str) -> bool:
    return hmac.compare_digest(answer_hash(key, captcha_id, answer), stored)


def render_png(answer: str) -> bytes:
    """Draw the answer as a PNG with the fonts bundled in the `captcha` package (CPU work:
    call it off the event loop)."""
    image: BytesIO = ImageCaptcha(width=IMAGE_WIDTH, height=IMAGE_HEIGHT).generate(answer)
    return image.getvalue()


def normalise_name(name: str) -> str:
    """The form records keep names in: Chinese without spaces, Latin in upper case."""
    text = clean_text(name)
    compact = text.replace(" ", "")
    return compact if CHINESE_NAME.fullmatch(compact) else text.upper()
