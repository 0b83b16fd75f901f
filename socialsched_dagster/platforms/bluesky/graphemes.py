"""Counting text the way Bluesky does: in extended grapheme clusters (UAX #29), not code points.

Bluesky's 300-character limit is `maxGraphemes: 300` in the app.bsky.feed.post lexicon, which the
PDS checks with `Intl.Segmenter` (Unicode 15.1 rules, Indic conjuncts included: "नमस्ते" is 3).
A code-point count would call a flag 2 characters and a family emoji 7, and refuse posts the app
accepts. The standard library has no segmenter and the project adds no dependency for one, so
the rules are here, with the Grapheme_Cluster_Break classes derived from `unicodedata`
categories plus the short lists the categories do not give (UAX #29 table 2 and emoji-data).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from functools import lru_cache

CR, LF, CONTROL, EXTEND, ZWJ, RI, PREPEND, SPACING_MARK = range(8)
L, V, T, LV, LVT, OTHER = range(8, 14)
# Indic_Conjunct_Break (GB9c, Unicode 15.1)
NONE, CONSONANT, LINKER, INCB_EXTEND = range(4)

Ranges = tuple[tuple[int, int], ...]

# Grapheme_Extend characters that are not Mn/Me (Other_Grapheme_Extend), and the emoji
# skin-tone modifiers (Sk, but Extend in UAX #29).
_EXTEND_EXTRA: Ranges = (
    (0x09BE, 0x09BE), (0x09D7, 0x09D7), (0x0B3E, 0x0B3E), (0x0B57, 0x0B57), (0x0BBE, 0x0BBE),
    (0x0BD7, 0x0BD7), (0x0CC2, 0x0CC2), (0x0CD5, 0x0CD6), (0x0D3E, 0x0D3E), (0x0D57, 0x0D57),
    (0x0DCF, 0x0DCF), (0x0DDF, 0x0DDF), (0x1B35, 0x1B35), (0x200C, 0x200C), (0x302E, 0x302F),
    (0xFF9E, 0xFF9F), (0x1133E, 0x1133E), (0x11357, 0x11357), (0x114B0, 0x114B0),
    (0x114BD, 0x114BD), (0x115AF, 0x115AF), (0x11930, 0x11930), (0x1D165, 0x1D165),
    (0x1D16E, 0x1D172), (0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F),
)  # fmt: skip
# Spacing combining marks (Mc) that UAX #29 leaves out of SpacingMark.
_NOT_SPACING: Ranges = (
    (0x102B, 0x102C), (0x1038, 0x1038), (0x1062, 0x1064), (0x1067, 0x106D), (0x1083, 0x1083),
    (0x1087, 0x108C), (0x108F, 0x108F), (0x109A, 0x109C), (0x1A61, 0x1A61), (0x1A63, 0x1A64),
    (0xAA7B, 0xAA7B), (0xAA7D, 0xAA7D), (0x11720, 0x11721),
)  # fmt: skip
_PREPEND: Ranges = (
    (0x0600, 0x0605), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2),
    (0x0D4E, 0x0D4E), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x111C2, 0x111C3),
    (0x1193F, 0x1193F), (0x11941, 0x11941), (0x11A3A, 0x11A3A), (0x11A84, 0x11A89),
    (0x11D46, 0x11D46), (0x11F02, 0x11F02),
)  # fmt: skip
_EXT_PICT: Ranges = (
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122),
    (0x2139, 0x2139), (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328),
    (0x2388, 0x2388), (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2),
    (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2605),
    (0x2607, 0x2612), (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712), (0x2714, 0x2714),
    (0x2716, 0x2716), (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728), (0x2733, 0x2734),
    (0x2744, 0x2744), (0x2747, 0x2747), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755),
    (0x2757, 0x2757), (0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0),
    (0x27BF, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299),
    (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F), (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171),
    (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5),
    (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A),
    (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA), (0x1F400, 0x1F53D), (0x1F546, 0x1F64F),
    (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F),
    (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF),
    (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD),
)  # fmt: skip
# InCB=Consonant: the consonants of Devanagari, Bengali, Gujarati, Oriya, Telugu, Malayalam.
_CONSONANTS: Ranges = (
    (0x0915, 0x0939), (0x0958, 0x095F), (0x0978, 0x097F), (0x0995, 0x09A8), (0x09AA, 0x09B0),
    (0x09B2, 0x09B2), (0x09B6, 0x09B9), (0x09DC, 0x09DD), (0x09DF, 0x09DF), (0x09F0, 0x09F1),
    (0x0A95, 0x0AA8), (0x0AAA, 0x0AB0), (0x0AB2, 0x0AB3), (0x0AB5, 0x0AB9), (0x0AF9, 0x0AF9),
    (0x0B15, 0x0B28), (0x0B2A, 0x0B30), (0x0B32, 0x0B33), (0x0B35, 0x0B39), (0x0B5C, 0x0B5D),
    (0x0B5F, 0x0B5F), (0x0B71, 0x0B71), (0x0C15, 0x0C28), (0x0C2A, 0x0C39), (0x0C58, 0x0C5A),
    (0x0D15, 0x0D3A),
)  # fmt: skip
_LINKERS = frozenset({0x094D, 0x09CD, 0x0ACD, 0x0B4D, 0x0C4D, 0x0D4D})  # the viramas


def _within(cp: int, ranges: Ranges) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


@lru_cache(maxsize=4096)
def _props(ch: str) -> tuple[int, bool, int]:
    """(Grapheme_Cluster_Break class, Extended_Pictographic, InCB class) of one code point."""
    cp = ord(ch)
    gcb = _break_class(cp, unicodedata.category(ch))
    if cp in _LINKERS:
        incb = LINKER
    elif _within(cp, _CONSONANTS):
        incb = CONSONANT
    elif gcb in (EXTEND, ZWJ) and cp != 0x200C:
        incb = INCB_EXTEND
    else:
        incb = NONE
    return gcb, _within(cp, _EXT_PICT), incb


def _break_class(cp: int, category: str) -> int:
    if cp == 0x0D:
        return CR
    if cp == 0x0A:
        return LF
    if cp == 0x200D:
        return ZWJ
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return RI
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return L
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return V
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return T
    if 0xAC00 <= cp <= 0xD7A3:  # precomposed syllables: LV every 28th, LVT in between
        return LV if (cp - 0xAC00) % 28 == 0 else LVT
    if _within(cp, _PREPEND):
        return PREPEND
    if category in ("Mn", "Me") or _within(cp, _EXTEND_EXTRA):
        return EXTEND
    if category in ("Cc", "Zl", "Zp", "Cs", "Cf"):
        return CONTROL
    if (category == "Mc" and not _within(cp, _NOT_SPACING)) or cp in (0x0E33, 0x0EB3):
        return SPACING_MARK
    return OTHER


def graphemes(text: str) -> Iterator[str]:
    """The extended grapheme clusters of `text`, in order."""
    start = 0
    prev: int | None = None
    ri_run = 0  # regional indicators in a row, ending at prev (GB12/13 pair them up)
    emoji = 0  # 1: in ExtPict Extend*, 2: and then a ZWJ (GB11)
    conjunct = 0  # 1: after an InCB consonant, 2: and a linker since (GB9c)
    for i, ch in enumerate(text):
        gcb, pict, incb = _props(ch)
        if prev is not None and _breaks(prev, gcb, pict, incb, ri_run, emoji, conjunct):
            yield text[start:i]
            start = i
        ri_run = ri_run + 1 if gcb == RI else 0
        if pict:
            emoji = 1
        elif emoji == 1 and gcb in (EXTEND, ZWJ):
            emoji = 1 if gcb == EXTEND else 2
        else:
            emoji = 0
        if incb == CONSONANT:
            conjunct = 1
        elif conjunct and incb == LINKER:
            conjunct = 2
        elif not (conjunct and incb == INCB_EXTEND):
            conjunct = 0
        prev = gcb
    if text:
        yield text[start:]


def _breaks(
    prev: int, cur: int, pict: bool, incb: int, ri_run: int, emoji: int, conjunct: int
) -> bool:
    if prev == CR and cur == LF:  # GB3
        return False
    if prev in (CONTROL, CR, LF) or cur in (CONTROL, CR, LF):  # GB4, GB5
        return True
    if prev == L and cur in (L, V, LV, LVT):  # GB6
        return False
    if prev in (LV, V) and cur in (V, T):  # GB7
        return False
    if prev in (LVT, T) and cur == T:  # GB8
        return False
    if cur in (EXTEND, ZWJ, SPACING_MARK) or prev == PREPEND:  # GB9, GB9a, GB9b
        return False
    if conjunct == 2 and incb == CONSONANT:  # GB9c
        return False
    if emoji == 2 and pict:  # GB11
        return False
    return not (prev == RI and cur == RI and ri_run % 2 == 1)  # GB12, GB13, else GB999


def grapheme_len(text: str) -> int:
    return sum(1 for _ in graphemes(text))


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))
