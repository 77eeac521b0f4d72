"""What an uploaded file is, found from its content (magic bytes, then a real parse), and
whether a slot accepts it. The file's name is only a claim, checked against the content."""

import hashlib
import io
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from educert_common.errors import DomainError
from educert_common.files import png
from educert_common.files.errors import refuse
from educert_common.files.slots import EXTENSIONS, MEDIA_TYPES, Kind, SlotSpec

# Images with more pixels are refused before any decoding (a small file can claim a huge
# image); 50 MP is more than a 600 dpi A4 scan (35 MP).
MAX_PIXELS = 50_000_000
# Pages are counted up to this many; a slot's max_pages is far lower.
PAGE_COUNT_CAP = 10_000
_PIL_FORMATS: dict[Kind, str] = {"jpeg": "JPEG", "png": "PNG"}
# Extensions a file name can claim; any other (or none) claims nothing.
_CLAIMS: dict[str, str] = {
    "pdf": "pdf",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "jfif": "jpeg",
    "png": "png",
    **dict.fromkeys(
        ("gif", "bmp", "tif", "tiff", "webp", "heic", "heif", "doc", "docx", "ofd", "txt"),
        "other",
    ),
}


@dataclass(frozen=True, slots=True)
class InspectedFile:
    kind: Kind
    sha256: str
    size: int
    pages: int | None = None  # PDFs
    width: int | None = None  # images
    height: int | None = None

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.kind]


def sniff_kind(data: bytes) -> Kind | None:
    """The kind the magic bytes announce, or None. A PDF must start with its header (after
    at most a UTF-8 BOM), as `educert_common.storage` requires, so what is accepted here
    is stored there."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(png.SIGNATURE):
        return "png"
    if data.removeprefix(b"\xef\xbb\xbf").startswith(b"%PDF-"):
        return "pdf"
    return None


def inspect_file(
    data: bytes, filename: str | None = None, *, field: str = "file", max_pixels: int = MAX_PIXELS
) -> InspectedFile:
    """Describe `data` after parsing it for real; raise a 4xx error naming `field` if it is
    not a readable, unencrypted PDF, JPEG or PNG. CPU-bound: call it in a thread
    (`asyncio.to_thread`) for anything but small files. `filename` is not trusted; it is
    checked by `check_against`."""
    del filename  # the content decides; the name is checked against it by check_against
    if not data:
        raise refuse(field, "file_empty", "The file is empty", "文件为空")
    kind = sniff_kind(data)
    if kind is None:
        raise refuse(
            field,
            "file_type_not_allowed",
            "The file is not a PDF, JPEG or PNG",
            "文件须为 PDF、JPEG 或 PNG 格式",
        )
    digest = hashlib.sha256(data).hexdigest()
    if kind == "pdf":
        return InspectedFile(kind, digest, len(data), pages=_pdf_pages(data, field))
    width, height = _image_size(data, kind, field, max_pixels)
    return InspectedFile(kind, digest, len(data), width=width, height=height)


def _unreadable(field: str) -> DomainError:
    return refuse(
        field, "file_unreadable", "The file is damaged or cannot be read", "文件已损坏或无法读取"
    )


def _pdf_pages(data: bytes, field: str) -> int:
    # A parser fed hostile bytes can fail in any way (KeyError, RecursionError, ...): every
    # failure means "unreadable", never a 500.
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        encrypted = reader.encrypted
        pages = None if encrypted else _count_pages(reader)
    except Exception as exc:
        raise _unreadable(field) from exc
    if pages is None:
        raise refuse(
            field,
            "file_encrypted",
            "The PDF is password-protected or encrypted; upload it without protection",
            "PDF 文件已加密或设有密码，请上传未加密的文件",
        )
    if pages == 0:
        raise refuse(field, "file_unreadable", "The PDF has no pages", "PDF 文件没有页面")
    return pages


def _count_pages(reader: PdfFileReader) -> int:
    """Leaves of the page tree, walked without trusting /Count; each page's content is
    resolved, so offsets pointing nowhere are found. A cycle is a broken file."""
    seen: set[tuple[int, int]] = set()
    stack: list[generic.PdfObject] = [reader.root.raw_get("/Pages")]
    pages = 0
    while stack and pages <= PAGE_COUNT_CAP:
        reference = stack.pop()
        if isinstance(reference, generic.IndirectObject):
            key = (reference.idnum, reference.generation)
            if key in seen:
                raise ValueError("the page tree has a cycle")
            seen.add(key)
        node = reference.get_object()
        if not isinstance(node, generic.DictionaryObject):
            raise ValueError("a page tree node is not a dictionary")
        if "/Kids" in node:
            kids = node["/Kids"]
            stack.extend(kids.raw_get(index) for index in range(len(kids)))
            continue
        if node.get("/Type") not in (None, "/Page"):
            raise ValueError("a page tree leaf is not a page")
        if "/Contents" in node:
            # Resolving it reads the object at its offset: a damaged table fails here.
            node["/Contents"]
        pages += 1
    return pages


def _image_size(data: bytes, kind: Kind, field: str, max_pixels: int) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[kind]]) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise _too_large(field, width, height)
            image.verify()
        if kind == "jpeg":
            # Decode at 1/8 scale: the whole entropy-coded stream is read (a truncated or
            # corrupt file fails) for 1/64 of the memory.
            with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
        else:
            png.check_pixel_data(data)
    except Image.DecompressionBombError as exc:
        raise _too_large(field, None, None) from exc
    except DomainError:
        raise
    except Exception as exc:  # as for PDFs: a hostile image fails any way it likes
        raise _unreadable(field) from exc
    return width, height


def _too_large(field: str, width: int | None, height: int | None) -> DomainError:
    size = f" ({width}x{height})" if width else ""
    return refuse(
        field,
        "image_too_large",
        f"The image has too many pixels{size}",
        f"图片像素过多{size}",
    )


def claimed_kind(filename: str | None) -> str | None:
    """What the name's extension claims: "pdf", "jpeg", "png", "other" for a known other
    type (.docx, .heic), or None when it claims nothing (no extension, or an unknown one)."""
    if not filename:
        return None
    name = PureWindowsPath(PurePosixPath(filename).name).name
    if "." not in name:
        return None
    return _CLAIMS.get(name.rsplit(".", 1)[1].strip().lower())


def check_against(
    slot: SlotSpec,
    inspected: InspectedFile,
    filename: str | None = None,
    *,
    field: str | None = None,
) -> None:
    """Raise a 4xx error naming `field` (default: the slot's name) if `slot` does not take
    the file: too large (413), a kind it does not take (415), a name claiming another kind,
    too many pages, or image dimensions out of bounds (422)."""
    field = field or slot.name
    if inspected.size > slot.max_bytes:
        raise refuse(
            field,
            "file_too_large",
            f"{slot.label_en}: the file is larger than {_megabytes(slot.max_bytes)}",
            f"{slot.label_zh}：文件超过 {_megabytes(slot.max_bytes)}",
        )
    if inspected.kind not in slot.kinds:
        allowed = "/".join(sorted(kind.upper() for kind in slot.kinds))
        raise refuse(
            field,
            "file_type_not_allowed",
            f"{slot.label_en}: the file must be {allowed}",
            f"{slot.label_zh}：文件须为 {allowed} 格式",
        )
    claim = claimed_kind(filename)
    if claim is not None and claim != inspected.kind:
        raise refuse(
            field,
            "file_name_mismatch",
            f"The file's name says another type, but its content is {inspected.kind.upper()}",
            f"文件扩展名与内容不符，文件内容为 {inspected.kind.upper()}",
        )
    if inspected.pages is not None and slot.max_pages and inspected.pages > slot.max_pages:
        raise refuse(
            field,
            "too_many_pages",
            f"{slot.label_en}: at most {slot.max_pages} pages, the file has {inspected.pages}",
            f"{slot.label_zh}：最多 {slot.max_pages} 页，文件有 {inspected.pages} 页",
        )
    if inspected.width is None or inspected.height is None:
        return
    size = f"{inspected.width}x{inspected.height}"
    if slot.min_dimensions and (
        inspected.width < slot.min_dimensions[0] or inspected.height < slot.min_dimensions[1]
    ):
        bound = "x".join(map(str, slot.min_dimensions))
        raise refuse(
            field,
            "image_too_small",
            f"{slot.label_en}: the image is {size} pixels, at least {bound} is needed",
            f"{slot.label_zh}：图片为 {size} 像素，至少需要 {bound}",
        )
    if slot.max_dimensions and (
        inspected.width > slot.max_dimensions[0] or inspected.height > slot.max_dimensions[1]
    ):
        bound = "x".join(map(str, slot.max_dimensions))
        raise refuse(
            field,
            "image_too_large",
            f"{slot.label_en}: the image is {size} pixels, at most {bound} is allowed",
            f"{slot.label_zh}：图片为 {size} 像素，最大 {bound}",
        )


def check_count(slot: SlotSpec, count: int, *, field: str | None = None) -> None:
    """Refuse a missing required slot (`file_required`) or more files than it takes
    (`too_many_files`), 422 naming the slot."""
    field = field or slot.name
    if count == 0 and slot.required:
        raise refuse(
            field, "file_required", f"{slot.label_en} is required", f"请上传{slot.label_zh}"
        )
    if count > slot.max_files:
        raise refuse(
            field,
            "too_many_files",
            f"{slot.label_en}: at most {slot.max_files} files",
            f"{slot.label_zh}：最多 {slot.max_files} 个文件",
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
