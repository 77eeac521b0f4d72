"""The application kinds, as data: each declares its steps in order, its material slots and
the fees it is paid with. The workflow reads these; nothing else branches on the kind.

Fees are payment's fee table entries (purposes): the amounts are operators' to set there.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from educert_common.errors import Text
from educert_common.events.catalogue import ApplicationKind
from educert_common.files import Kind, SlotSpec

MB = 1024 * 1024
IMAGES: frozenset[Kind] = frozenset({"jpeg", "png"})


@dataclass(frozen=True, slots=True)
class MaterialSlot(SlotSpec):
    """A kind of file an application needs (passport pages, degree certificate ...): the
    shared `SlotSpec` (kinds checked by content, size, pages, how many files) plus when it is
    required, which may depend on the draft's steps."""

    # Required only when this returns True for the draft's steps (e.g. entry-exit pages
    # when the face check was skipped); None: as `required` says.
    required_when: Callable[[Mapping[str, Any]], bool] | None = None

    def is_required(self, steps: Mapping[str, Any]) -> bool:
        if self.required_when is not None:
            return self.required_when(steps)
        return self.required


def _face_skipped(steps: Mapping[str, Any]) -> bool:
    return (steps.get("face") or {}).get("mode") == "skip"


def _paper_report(steps: Mapping[str, Any]) -> bool:
    return (steps.get("purpose") or {}).get("report_type", "e_report") != "e_report"


def _joint_programme(steps: Mapping[str, Any]) -> bool:
    return (steps.get("type") or {}).get("study_mode") == "joint_programme"


PASSPORT = MaterialSlot("passport", "护照个人信息页", "Passport photo page", max_files=2)
ENTRY_EXIT = MaterialSlot(
    "entry_exit_pages",
    "护照出入境记录页或移民局App下载的出入境记录",
    "Passport entry-exit stamp pages, or the record from the immigration app",
    max_files=20,
    max_pages=60,
    required_when=_face_skipped,
)
DEGREE_CERTIFICATE = MaterialSlot(
    "degree_certificate", "学位/学历证书", "Degree or diploma certificate"
)
TRANSCRIPT = MaterialSlot("transcript", "成绩单", "Transcript", max_pages=40)
TRANSLATION = MaterialSlot(
    "translation",
    "非中英文材料的翻译件",
    "Translation of documents not in Chinese or English",
    max_files=5,
    required=False,
)
AUTHORISATION = MaterialSlot(
    "authorisation_letter",
    "授权声明书",
    "Letter authorising the check with the institution",
)
JOINT_AGREEMENT = MaterialSlot(
    "joint_programme_proof",
    "中外合作办学项目批准证明",
    "Proof of the joint programme's approval",
    required_when=_joint_programme,
)
OTHER = MaterialSlot(
    "other", "其他证明材料", "Other supporting documents", max_files=10, required=False
)
ID_PHOTO = MaterialSlot(
    "id_photo",
    "证件照（浅色背景、正面免冠）",
    "ID photo (light background, frontal)",
    kinds=IMAGES,
    max_bytes=2 * MB,
    max_pages=None,
)
DIPLOMA_SCAN = MaterialSlot("diploma_scan", "毕业证书扫描件", "Diploma scan")
EARLIER_RESULT = MaterialSlot(
    "new_evidence",
    "复议新证据材料",
    "New evidence for the reconsideration",
    max_files=10,
)


@dataclass(frozen=True)
class ApplicationKindSpec:
    name: ApplicationKind
    label: Text
    # Data steps in the order they are filled; "materials" marks where uploads come.
    steps: tuple[str, ...]
    slots: tuple[MaterialSlot, ...]
    # The fee purposes paid before review, given the draft's steps (empty: free).
    fees: Callable[[Mapping[str, Any]], tuple[str, ...]]
    # Countries (ISO 3166-1) the degree may be from; None: any but China.
    countries: frozenset[str] | None = None
    # Working days a reviewer needs for one application of this kind when nothing is queued
    # ahead (the estimate adds the queue; see certification.estimates).
    nominal_review_days: int = 10
    extra: Mapping[str, Any] = field(default_factory=dict)

    def slot(self, name: str) -> MaterialSlot | None:
        return next((slot for slot in self.slots if slot.name == name), None)

    def data_steps(self) -> tuple[str, ...]:
        return tuple(step for step in self.steps if step != "materials")


def _certification_fee(_steps: Mapping[str, Any]) -> tuple[str, ...]:
    return ("certification",)


def _domestic_fees(steps: Mapping[str, Any]) -> tuple[str, ...]:
    return ("certification", "courier") if _paper_report(steps) else ("certification",)


def _free(_steps: Mapping[str, Any]) -> tuple[str, ...]:
    return ()


FOREIGN_SLOTS = (
    PASSPORT,
    ENTRY_EXIT,
    DEGREE_CERTIFICATE,
    TRANSCRIPT,
    AUTHORISATION,
    JOINT_AGREEMENT,
    TRANSLATION,
    OTHER,
)

KINDS: dict[str, ApplicationKindSpec] = {
    spec.name: spec
    for spec in (
        ApplicationKindSpec(
            name="foreign_degree",
            label=Text("Foreign degree or qualification", "国(境)外学历学位认证"),
            steps=("face", "applicant", "type", "degree", "study", "materials"),
            slots=FOREIGN_SLOTS,
            fees=_certification_fee,
        ),
        ApplicationKindSpec(
            name="hmt_degree",
            label=Text("Hong Kong, Macau or Taiwan degree", "港澳台地区学历学位认证"),
            steps=("face", "applicant", "type", "degree", "study", "materials"),
            slots=FOREIGN_SLOTS,
            fees=_certification_fee,
            countries=frozenset({"HK", "MO", "TW"}),
        ),
        ApplicationKindSpec(
            name="domestic_qualification",
            label=Text("Domestic qualification certification", "国内学历认证"),
            steps=("purpose", "domestic_applicant", "qualification", "materials"),
            slots=(DIPLOMA_SCAN, ID_PHOTO, OTHER),
            fees=_domestic_fees,
            countries=frozenset({"CN"}),
            nominal_review_days=20,
            # The accepting institution confirms the qualification (see estimates).
            extra={"institution_confirmation": True},
        ),
        ApplicationKindSpec(
            name="reconsideration",
            label=Text("Reconsideration of an earlier result", "认证结果复议"),
            steps=("grounds", "materials"),
            slots=(EARLIER_RESULT,),
            fees=_free,
        ),
    )
}


def kind_spec(name: str) -> ApplicationKindSpec:
    return KINDS[name]
