"""Who is eligible for a degree application round."""

from records.academic.models import QualificationRecord, RecordModel, StudentStatusRecord

# A student-status record in one of these states may apply (others left or failed).
OPEN_STATUSES = ("enrolled", "resumed", "graduated")


def record_matches(record: RecordModel, *, level: str, education_type: str | None) -> bool:
    """Whether a bound record at the round's institution makes its owner eligible: the
    round's level and education type, and a graduation (or a live enrolment)."""
    if not isinstance(record, QualificationRecord | StudentStatusRecord):
        return False
    if record.level != level:
        return False
    if education_type is not None and record.education_type != education_type:
        return False
    if isinstance(record, QualificationRecord):
        return record.conclusion == "graduated"
    return record.status in OPEN_STATUSES
