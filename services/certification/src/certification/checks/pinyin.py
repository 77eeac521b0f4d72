"""Does a Latin spelling transliterate a Chinese name in Hanyu Pinyin? Every reading of
every character counts (polyphonic surnames: 单 Shan, 曾 Zeng, 区 Ou, 解 Xie), and ü may be
written U, V or YU (吕 LU, LV, LYU). Wade-Giles, Cantonese or Hokkien spellings (Hsu, Chan,
Lee) cannot be derived from the characters: callers warn, they do not block."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin, pinyin

from certification.checks.text import has_han


@lru_cache(maxsize=4096)
def readings(char: str) -> frozenset[str]:
    if not has_han(char):
        return frozenset()  # pypinyin would hand a Latin letter back unchanged
    found: set[str] = set()
    for reading in pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=False)[0]:
        reading = reading.upper()
        if not reading.isascii() or not reading.isalpha():
            continue
        found.add(reading)
        if "V" in reading:
            found.update({reading.replace("V", "U"), reading.replace("V", "YU")})
    return frozenset(found)


def spells(han: str, latin: str) -> bool:
    """Whether the upper-case letters `latin` are one pinyin reading per character of `han`
    ("单雨" and "SHANYU")."""
    # reachable[i]: positions in `latin` where the readings of han[:i] can end.
    reachable = {0}
    for char in han:
        options = readings(char)
        if not options:
            return False
        reachable = {
            end + len(reading)
            for end in reachable
            for reading in options
            if latin.startswith(reading, end)
        }
        if not reachable:
            return False
    return len(latin) in reachable


def usual(han: str) -> str:
    """The commonest reading, for messages: "张伟" -> "ZHANG WEI"."""
    return " ".join(lazy_pinyin(han, style=Style.NORMAL, v_to_u=False)).upper()
