"""`educert-verify`: check a report's signed PDF or its verifiable credential, as a third
party would, with the platform's published keys and without trusting the platform's servers
for anything but the current state.

Exit codes: 0 valid; 1 not valid (tampered, untrusted, revoked, expired, closed...); 2 could
not decide (unreadable input, network error, status unavailable, usage error); 3 what could
be checked holds but a part was not checked (no trust root given, status not read offline).
"""

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping

from educert_common.verification.cli_checks import (
    UNDECIDED,
    Outcome,
    UsageError,
    verify_credential,
    verify_pdf,
)
from educert_common.verification.cli_sources import (
    MAX_JSON_BYTES,
    MAX_PDF_BYTES,
    Fetcher,
    SourceError,
    parse_json,
    read_file,
)


def main(argv: list[str] | None = None) -> None:
    """Verify an EduCert report: its signed PDF or its verifiable credential (JSON)."""
    # pyHanko logs its reasons at WARNING; the verdict and details below say them once.
    logging.basicConfig(level=logging.CRITICAL)
    parser = _parser()
    args = parser.parse_args(argv)
    fetcher = Fetcher(args.timeout)
    try:
        outcome = verify(args, fetcher)
    except UsageError as error:
        parser.error(str(error))
    except SourceError as error:
        outcome = Outcome("CANNOT VERIFY", UNDECIDED, {"problem": str(error)})
    except Exception as error:  # hostile input must give a line, never a traceback
        problem = f"unexpected {type(error).__name__} reading {args.file}"
        outcome = Outcome("CANNOT VERIFY", UNDECIDED, {"problem": problem})
    finally:
        fetcher.close()
    try:
        print(_as_json(args.file, outcome) if args.json else _as_text(outcome), flush=True)
    except BrokenPipeError:
        # `educert-verify x.pdf | head -1` closes the pipe early: the exit code still counts.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(outcome.exit_code)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="educert-verify",
        description=(
            "Verify an EduCert report: a signed PDF (PAdES) or a verifiable credential (JSON). "
            "Exit 0 valid, 1 not valid, 2 could not decide, 3 valid as far as checked but "
            "the signer or the status was not checked."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the report: FILE.pdf or FILE.json")
    pdf = parser.add_argument_group("PDF reports")
    pdf.add_argument("--trust", metavar="CERT.pem", help="trust this signer certificate (PEM)")
    pdf.add_argument(
        "--jwks", metavar="FILE_OR_URL", help="trust the certificate (x5c) of this JWK Set"
    )
    pdf.add_argument(
        "--online",
        metavar="BASE_URL",
        help="ask the platform at BASE_URL for the report's current state (by its code)",
    )
    credential = parser.add_argument_group("credentials (JSON)")
    credential.add_argument(
        "--issuer",
        metavar="FILE_OR_URL",
        help="the issuer's key document (default: fetched from the proof's verificationMethod)",
    )
    credential.add_argument(
        "--status-list",
        metavar="FILE_OR_URL",
        help="the status list credential (default: fetched from credentialStatus)",
    )
    credential.add_argument(
        "--offline",
        action="store_true",
        help="fetch nothing: needs --issuer FILE; without --status-list the status is not read",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON result instead")
    parser.add_argument(
        "--timeout", type=float, default=5.0, metavar="SECONDS", help="per request (default 5)"
    )
    return parser


def verify(args: argparse.Namespace, fetcher: Fetcher) -> Outcome:
    """Check the file the arguments name, by what it is (PDF or JSON)."""
    data = read_file(args.file, MAX_PDF_BYTES)
    head = data[:1024]
    if b"%PDF-" in head:
        _refuse(args, ("issuer", "status_list", "offline"), "a PDF")
        return verify_pdf(
            args.file, data, fetcher, trust=args.trust, jwks=args.jwks, online=args.online
        )
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        _refuse(args, ("trust", "jwks", "online"), "a credential")
        if len(data) > MAX_JSON_BYTES:
            raise SourceError(f"{args.file} is larger than 1 MB: not a credential of ours")
        return verify_credential(
            args.file,
            parse_json(data, args.file),
            fetcher,
            issuer=args.issuer,
            status_list=args.status_list,
            offline=args.offline,
        )
    raise SourceError(f"{args.file} is neither a PDF nor a JSON credential")


def _refuse(args: argparse.Namespace, options: tuple[str, ...], what: str) -> None:
    given = [f"--{name.replace('_', '-')}" for name in options if getattr(args, name)]
    if given:
        raise UsageError(f"{', '.join(given)} do not apply to {what}")


# --- output -------------------------------------------------------------------------------


def _as_json(file: str, outcome: Outcome) -> str:
    result = {
        "file": file,
        "verdict": outcome.verdict,
        "exit_code": outcome.exit_code,
        **outcome.details,
        "notes": outcome.notes,
    }
    # json escapes C0 controls but not C1 ones (U+009B is a terminal's CSI): escape those too.
    return json.dumps(result, ensure_ascii=False, indent=2).translate(_C1_ESCAPES)


def _as_text(outcome: Outcome) -> str:
    if list(outcome.details) == ["problem"] and not outcome.notes:
        return f"{outcome.verdict}: {_shown(outcome.details['problem'])}"  # bad input: one line
    lines = [outcome.verdict]
    for name, value in outcome.details.items():
        if isinstance(value, Mapping):
            lines += [f"  {name}:"] + [
                f"    {_shown(key).replace('_', ' ')}: {_word(item)}" for key, item in value.items()
            ]
        elif value is not None:
            lines.append(f"  {name.replace('_', ' ')}: {_word(value)}")
    lines += [f"  note: {_shown(note)}" for note in outcome.notes]
    return "\n".join(lines)


_C1_ESCAPES = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}
MAX_SHOWN_CHARS = 300


def _word(value: object) -> str:
    return ("yes" if value else "NO") if isinstance(value, bool) else _shown(value)


def _shown(value: object) -> str:
    """Return a value from a document as one bounded line of printable characters."""
    # A newline or escape sequence in a hostile document must not fake a "VALID" line or
    # repaint the terminal.
    text = str(value)
    text = text[:MAX_SHOWN_CHARS] + ("…" if len(text) > MAX_SHOWN_CHARS else "")
    return "".join(char if char.isprintable() else f"\\x{{{ord(char):x}}}" for char in text)
