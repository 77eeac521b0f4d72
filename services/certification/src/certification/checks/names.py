"""Names agree across the account, the applicant, the degree and the study history.

- The Chinese name given in a step is the account's real name (verified): else blocking.
- The passport name spells the real name in pinyin (any reading of each character); when no
  reading fits, a warning: Hong Kong, Taiwan and older passports use other romanisations.
- The name on the certificate is the passport name in either order, whatever the case,
  hyphens or spaces, with middle names left out (no finding); with parts the passport lacks
  (a warning); a former name (a warning: a reviewer asks for proof of the change); else
  blocking. A certificate printed in Chinese is compared with the Chinese name.
"""

from collections.abc import Iterator, Sequence
from enum import Enum

from certification.checks import pinyin
from certification.checks.model import Draft, Finding, blocking, warning
from certification.checks.text import all_han, compact, han_name, has_han, latin_tokens


class Match(Enum):
    FULL = "full"  # the same name, maybe in the other order or spaced differently
    SHORTER = "shorter"  # middle names (or later given names) left out, initials allowed
    LONGER = "longer"  # every passport part and more (an added English name)


def _same_token(printed: str, passport: str) -> bool:
    return printed == passport or (len(printed) == 1 and passport.startswith(printed))


def _subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    position = 0
    for token in short:
        while position < len(long) and not _same_token(token, long[position]):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


def _without_surname(printed: list[str], surname: str) -> Iterator[list[str]]:
    """The printed tokens left once a run of them spelling the surname is taken out."""
    for start in range(len(printed)):
        for end in range(start + 1, len(printed) + 1):
            if compact(printed[start:end]) == surname:
                yield printed[:start] + printed[end:]


def match(printed: list[str], surname: list[str], given: list[str]) -> Match | None:
    """How the printed name relates to a passport name given as surname and given names."""
    whole, family, first = compact(printed), compact(surname), compact(given)
    if not whole or not family:
        return None
    if whole in (family + first, first + family):
        return Match.FULL
    for rest in _without_surname(printed, family):
        # Initials alone ("J. Smith") say too little to pass.
        if not any(len(token) > 1 for token in rest):
            continue
        if _subsequence(rest, given):
            return Match.SHORTER
        if _subsequence(given, rest) or _contains_run(rest, first):
            return Match.LONGER
    return None


def _contains_run(tokens: list[str], joined: str) -> bool:
    """Whether some consecutive tokens spell `joined` ("DAVID XIAOMING" holds XIAO MING)."""
    return any(
        compact(tokens[start:end]) == joined
        for start in range(len(tokens))
        for end in range(start + 1, len(tokens) + 1)
    )


def _former_match(printed: list[str], former: str) -> bool:
    tokens = latin_tokens(former)
    if not tokens:
        return False
    if compact(printed) == compact(tokens) or sorted(printed) == sorted(tokens):
        return True
    # Either end of a former name may be its surname.
    return any(
        match(printed, [surname], rest) in (Match.FULL, Match.SHORTER)
        for surname, rest in ((tokens[0], tokens[1:]), (tokens[-1], tokens[:-1]))
    )


def _real_name(draft: Draft) -> str | None:
    if draft.account is not None and all_han(draft.account.real_name):
        return han_name(draft.account.real_name)
    return None


def check(draft: Draft) -> list[Finding]:
    found: list[Finding] = []
    if draft.applicant is not None:
        found += _chinese_name("applicant", draft.applicant.name_zh, draft)
        found += _transliteration(draft)
        found += _certificate_name(draft)
    if draft.domestic_applicant is not None:
        found += _chinese_name("domestic_applicant", draft.domestic_applicant.name_zh, draft)
    if draft.qualification is not None:
        found += _qualification_name(draft)
    return found


def _chinese_name(step: str, name_zh: str | None, draft: Draft) -> list[Finding]:
    real = _real_name(draft)
    if real is None:
        return []
    if name_zh is None:
        if draft.applicant is not None and draft.applicant.nationality == "CN":
            return [
                warning(
                    "name_zh_missing",
                    f"steps.{step}.name_zh",
                    "Give your Chinese name as your verified account has it",
                    "请填写与实名认证一致的中文姓名",
                    account_name=real,
                )
            ]
        return []
    if han_name(name_zh) != real:
        return [
            blocking(
                "name_zh_differs",
                f"steps.{step}.name_zh",
                "The Chinese name differs from your account's verified real name",
                "中文姓名与账号实名认证的姓名不一致",
                account_name=real,
                given=name_zh,
            )
        ]
    return []


def _transliteration(draft: Draft) -> list[Finding]:
    applicant, real = draft.applicant, _real_name(draft)
    if applicant is None or real is None or len(real) < 2:
        return []
    surname = compact(latin_tokens(applicant.passport_surname))
    given = compact(latin_tokens(applicant.passport_given_names))
    splits = range(1, len(real))
    if any(
        pinyin.spells(real[:cut], surname) and pinyin.spells(real[cut:], given) for cut in splits
    ):
        return []
    surname_fits = any(pinyin.spells(real[:cut], surname) for cut in splits)
    field = "passport_given_names" if surname_fits else "passport_surname"
    return [
        warning(
            "passport_name_not_pinyin",
            f"steps.applicant.{field}",
            "The passport name is not a pinyin spelling of your account's Chinese name; "
            "if your passport uses another romanisation (Hong Kong, Taiwan), a reviewer "
            "compares the documents",
            "护照姓名不是账号中文姓名的汉语拼音；如护照采用其他拼写（如港澳台地区），"
            "审核员将核对材料",
            account_name=real,
            pinyin=pinyin.usual(real),
            passport=f"{applicant.passport_surname} {applicant.passport_given_names}".upper(),
        )
    ]


def _certificate_name(draft: Draft) -> list[Finding]:
    applicant, degree = draft.applicant, draft.degree
    if applicant is None or degree is None:
        return []
    field = "steps.degree.name_on_certificate"
    printed = degree.name_on_certificate
    if has_han(printed):
        chinese = _real_name(draft) or (applicant.name_zh and han_name(applicant.name_zh))
        return _chinese_certificate(field, printed, chinese, applicant.former_names)
    tokens = latin_tokens(printed)
    passport = f"{applicant.passport_surname} {applicant.passport_given_names}".upper()
    how = match(
        tokens,
        latin_tokens(applicant.passport_surname),
        latin_tokens(applicant.passport_given_names),
    )
    if how in (Match.FULL, Match.SHORTER):
        return []
    if how is Match.LONGER:
        return [
            warning(
                "name_has_extra_parts",
                field,
                "The certificate's name has parts the passport lacks (an added English name?); "
                "a reviewer compares the documents",
                "证书姓名含有护照上没有的部分（如英文名），审核员将核对材料",
                passport=passport,
                certificate=printed,
            )
        ]
    former = next((name for name in applicant.former_names if _former_match(tokens, name)), None)
    if former is not None:
        return [_former(field, printed, former)]
    return [
        blocking(
            "name_mismatch",
            field,
            "The name on the certificate is not the passport name; if the certificate "
            "carries an earlier name, add it to the former names",
            "证书上的姓名与护照姓名不一致；如证书使用曾用名，请在曾用名中填写",
            passport=passport,
            certificate=printed,
        )
    ]


def _former(field: str, printed: str, former: str) -> Finding:
    return warning(
        "name_former",
        field,
        "The certificate carries a former name: upload proof of the change of name",
        "证书使用曾用名：请上传更名证明",
        certificate=printed,
        former_name=former,
    )


def _chinese_certificate(
    field: str, printed: str, chinese: str | None, former_names: Sequence[str]
) -> list[Finding]:
    printed_han = han_name(printed)
    if chinese is None or printed_han == chinese:
        return []
    former = next((name for name in former_names if han_name(name) == printed_han), None)
    if former is not None:
        return [_former(field, printed, former)]
    if len(printed_han) == len(chinese) and all(
        pinyin.readings(a) & pinyin.readings(b) for a, b in zip(printed_han, chinese, strict=True)
    ):
        # Traditional characters (陳 for 陈) read the same; a reviewer confirms.
        return [
            warning(
                "name_characters_differ",
                field,
                "The certificate writes your name with other characters of the same reading "
                "(traditional characters?); a reviewer compares the documents",
                "证书姓名用字与中文姓名不同但读音相同（繁体字？），审核员将核对材料",
                account_name=chinese,
                certificate=printed,
            )
        ]
    return [
        blocking(
            "name_mismatch",
            field,
            "The name on the certificate is not your Chinese name; if the certificate "
            "carries an earlier name, add it to the former names",
            "证书上的姓名与中文姓名不一致；如证书使用曾用名，请在曾用名中填写",
            account_name=chinese,
            certificate=printed,
        )
    ]


def _qualification_name(draft: Draft) -> list[Finding]:
    qualification, person = draft.qualification, draft.domestic_applicant
    if qualification is None:
        return []
    chinese = _real_name(draft) or (person and han_name(person.name_zh))
    former = person.former_names if person else []
    return _chinese_certificate(
        "steps.qualification.name_on_certificate",
        qualification.name_on_certificate,
        chinese or None,
        former,
    )
