"""Pure rules of binding: the cut-off of automatic binding and how names compare."""

from datetime import date

from records.academic.rules import CHINESE_NAME, clean_text

# Qualifications graduated before this day bind only by hand (certificate number, year and
# institution): before 2001 there were no e-registration numbers to trust the data by.
AUTOMATIC_QUALIFICATIONS_FROM = date(2001, 1, 1)
# Manual binding serves the qualifications of these graduation years.
MANUAL_YEARS = (1991, 2001)
METHOD_AUTOMATIC = "automatic"
METHOD_MANUAL = "manual"
# The fields a manual binding compares, in the order a mismatch names them.
COMPARED_FIELDS = ("name", "id_number", "birth_date", "gender")


def normalise_name(raw: str) -> str:
    """A real name in the form reported names take (Chinese compact, Latin upper case)."""
    name = clean_text(raw)
    compact = name.replace(" ", "")
    return compact if CHINESE_NAME.fullmatch(compact) else name.upper()
