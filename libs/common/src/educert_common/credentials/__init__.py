"""W3C Verifiable Credentials 2.0 secured with eddsa-jcs-2022 and a Bitstring Status List.

Verification reports and certification certificates are both issued through this package:
build a document (`build_credential`), sign it (`add_proof`), give it a status entry in a
published list (`status_entry`, `StatusList`, `status_list_credential`), and check one the
way a third party does (`check_credential`). Keys are `cryptography` Ed25519 objects; which
keys exist and are trusted is the caller's key ring.
"""

from educert_common.credentials.data_integrity import (
    ProofCheck,
    ProofError,
    add_proof,
    verify_proof,
)
from educert_common.credentials.multibase import (
    MultibaseError,
    decode_multikey,
    encode_multikey,
)
from educert_common.credentials.status_list import (
    MIN_ENTRIES,
    StatusList,
    StatusListError,
    StatusListFull,
    StatusPurpose,
    random_free_index,
    status_entry,
    status_list_credential,
)
from educert_common.credentials.vc import (
    CredentialCheck,
    CredentialState,
    build_credential,
    check_credential,
)

__all__ = [
    "MIN_ENTRIES",
    "CredentialCheck",
    "CredentialState",
    "MultibaseError",
    "ProofCheck",
    "ProofError",
    "StatusList",
    "StatusListError",
    "StatusListFull",
    "StatusPurpose",
    "add_proof",
    "build_credential",
    "check_credential",
    "decode_multikey",
    "encode_multikey",
    "random_free_index",
    "status_entry",
    "status_list_credential",
    "verify_proof",
]
