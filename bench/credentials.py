"""Verifiable credential benchmark: eddsa-jcs-2022 proof creation and verification of a
report-sized credential, and Bitstring Status List encode/decode of 131,072 entries.

Run:  .venv/bin/python bench/credentials.py [--count 2000]
Targets: proof creation and verification median < 2 ms each; encode of 131,072 entries
median < 5 ms. Prints medians and p99 in milliseconds.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from educert_common.credentials import (
    StatusList,
    add_proof,
    build_credential,
    random_free_index,
    status_entry,
    verify_proof,
)

ISSUER = "https://verify.educert.example/issuer"
METHOD = f"{ISSUER}#key-2026"
LIST_URL = "https://verify.educert.example/status/revocation/1"
ISSUED = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def report_credential(index: int) -> dict[str, object]:
    """Build an unsigned degree report credential of the size a real report has."""
    return build_credential(
        credential_id=f"urn:uuid:5f1c0d2e-8a43-4f0e-9d59-{index:012x}",
        credential_type="DegreeVerificationReport",
        issuer_id=ISSUER,
        issuer_name="EduCert 学历学位认证平台",
        valid_from=ISSUED,
        valid_until=ISSUED + timedelta(days=180),
        subject={
            "type": "DegreeRecord",
            "name": "张三丰",
            "nameEn": "ZHANG Sanfeng",
            "gender": "男",
            "birthDate": "2001-05-17",
            "idNumber": "110***********1234",
            "institution": "北京大学",
            "institutionEn": "Peking University",
            "institutionCode": "4111010001",
            "major": "计算机科学与技术",
            "majorEn": "Computer Science and Technology",
            "degree": "工学学士学位",
            "degreeEn": "Bachelor of Engineering",
            "conferredOn": "2024-06-30",
            "certificateNumber": "1000142024002345",
            "studyMode": "普通全日制",
            "reportCode": "A7K2M9P4Q8R3T6V1",
            "language": "zh-CN",
        },
        status=status_entry(LIST_URL, random_free_index(lambda _: False), "revocation"),
        name="学位在线验证报告 Online degree verification report",
    )


def timed(work: Callable[[int], object], count: int) -> list[float]:
    """Run `work` after a warm-up and return the time of each call in milliseconds."""
    for index in range(min(50, count)):
        work(index)
    samples = []
    for index in range(count):
        started = time.perf_counter()
        work(index)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def line(name: str, samples: list[float], target: float | None) -> str:
    median = statistics.median(samples)
    p99 = sorted(samples)[int(len(samples) * 0.99) - 1]
    verdict = "" if target is None else (" ok" if median < target else " OVER TARGET")
    goal = "" if target is None else f" (target < {target:g} ms){verdict}"
    return f"{name:<34} median {median:7.3f} ms   p99 {p99:7.3f} ms{goal}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    count = parser.parse_args().count

    key = Ed25519PrivateKey.generate()
    keys = {METHOD: key.public_key()}
    documents = [report_credential(i) for i in range(count + 50)]
    size = len(json.dumps(documents[0], ensure_ascii=False).encode())

    def sign(index: int) -> None:
        add_proof(documents[index], key, verification_method=METHOD, created=ISSUED)

    signed = [add_proof(d, key, verification_method=METHOD, created=ISSUED) for d in documents]

    def verify(index: int) -> None:
        if not verify_proof(signed[index], keys.get).verified:
            raise AssertionError("benchmark credential failed to verify")

    status_list = StatusList()
    for _ in range(1000):  # a list in use: about 1,000 of 131,072 revoked
        status_list.set(random_free_index(status_list.get), True)
    encoded = status_list.encode()

    print(f"report credential: {size} bytes of JSON before the proof; {count} runs each")
    print(line("add_proof (eddsa-jcs-2022)", timed(sign, count), 2))
    print(line("verify_proof (eddsa-jcs-2022)", timed(verify, count), 2))
    print(line("StatusList.encode (131,072)", timed(lambda _: status_list.encode(), count), 5))
    print(
        line(
            "StatusList.decode (131,072)", timed(lambda _: StatusList.decode(encoded), count), None
        )
    )
    print(f"encodedList with 1,000 bits set: {len(encoded)} characters")


if __name__ == "__main__":
    main()
