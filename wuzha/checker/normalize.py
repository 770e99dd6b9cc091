"""Undo the usual obfuscation of scam messages while keeping a map back to the original text.

Scammers write "安 全 账 户", "ＶＸ", "薇信" or "加扣扣" to slip past keyword filters. `normalize`
returns a canonical text for the patterns and the model, plus, for every character of that text,
the span of original characters it came from, so highlights land on what the person pasted.
"""

import re
import unicodedata
from dataclasses import dataclass

# Zero-width and joiner characters, variation selectors, BOM, soft hyphen.
_INVISIBLE = re.compile("[\u00ad\u034f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff]")
# Symbols inserted between CJK characters to break keywords (after NFKC).
_SEPARATORS = set(" \t\u3000*·•.,_-~|/\\'\"`^+=#@!！、，。.:;：；()（）[]【】<>《》“”‘’—…")
_NEWLINES = set("\r\n")

# Spellings that stand for a keyword. Latin forms only match as whole tokens (see _LATIN_RE).
_CJK_VARIANTS: dict[str, str] = {
    "威信": "微信",
    "薇信": "微信",
    "微芯": "微信",
    "维信": "微信",
    "徽信": "微信",
    "V信": "微信",
    "v信": "微信",
    "w信": "微信",
    "扣扣": "QQ",
    "企鹅号": "QQ号",
    "抠抠": "QQ",
    "安全帐户": "安全账户",
    "安全帐号": "安全账户",
    "安全账号": "安全账户",
    "转帐": "转账",
    "帐户": "账户",
    "帐号": "账号",
    "验正码": "验证码",
    "验证玛": "验证码",
    "驗證碼": "验证码",
    "刷単": "刷单",
    "佣今": "佣金",
    "返力": "返利",
    "兼值": "兼职",
    "徵信": "征信",
    "正信": "征信",
    "贷欵": "贷款",
    "代款": "贷款",
    "博菜": "博彩",
    "菠菜": "博彩",
    "裸聊": "裸聊",
    "果聊": "裸聊",
    "luo聊": "裸聊",
    "银行K": "银行卡",
    "银行k": "银行卡",
    "支付保": "支付宝",
    "支F宝": "支付宝",
    "支f宝": "支付宝",
    "屏幕共享": "屏幕共享",
    "共享屏慕": "共享屏幕",
    "公捡法": "公检法",
    "警擦": "警察",
}
_LATIN_VARIANTS: dict[str, str] = {
    "vx": "微信",
    "wx": "微信",
    "weixin": "微信",
    "wechat": "微信",
    "vchat": "微信",
    "qq": "QQ",
    "zfb": "支付宝",
    "alipay": "支付宝",
    "yhk": "银行卡",
    "yzm": "验证码",
    "sfz": "身份证",
    "jz": "兼职",
    "sd": "刷单",
    "fl": "返利",
    "zx": "征信",
    "dk": "贷款",
}
_CJK_RE = re.compile("|".join(sorted(map(re.escape, _CJK_VARIANTS), key=len, reverse=True)))
_LATIN_RE = re.compile(
    r"(?<![a-z0-9])(" + "|".join(sorted(_LATIN_VARIANTS, key=len, reverse=True)) + r")(?![a-z0-9])"
)


@dataclass(frozen=True)
class Normalized:
    """A canonical text and, for each of its characters, the original span [start, end)."""

    text: str
    spans: list[tuple[int, int]]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the canonical text back to a span of the original text."""
        if start >= end or not self.spans:
            return (0, 0)
        return (self.spans[start][0], self.spans[end - 1][1])


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x2600 <= cp <= 0x27BF
        or 0x2B00 <= cp <= 0x2BFF
        or 0x1F900 <= cp <= 0x1F9FF
        or cp in (0x20E3, 0x2122, 0x2139, 0x3030, 0x303D)
        or unicodedata.category(ch) == "So"
    )


def _fold(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """NFKC (full-width to half-width), lower-case Latin, drop invisible characters and emoji."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        # Fast path: ASCII and common CJK ideographs are already in normal form.
        if ch < "\u00a0" or "\u4e00" <= ch <= "\u9fff":
            chars.append(ch.lower() if "A" <= ch <= "Z" else ch)
            spans.append((i, i + 1))
            continue
        if _INVISIBLE.match(ch) or _is_emoji(ch):
            # An emoji between two CJK characters is a separator as well: mark it as one.
            chars.append(" ")
            spans.append((i, i + 1))
            continue
        for out in unicodedata.normalize("NFKC", ch).lower():
            chars.append(out)
            spans.append((i, i + 1))
    return chars, spans


def _drop_separators(
    chars: list[str], spans: list[tuple[int, int]]
) -> tuple[list[str], list[tuple[int, int]]]:
    """Remove runs of separators (at most 3 long) that sit between two CJK characters."""
    keep = [True] * len(chars)
    n = len(chars)
    i = 0
    while i < n:
        if chars[i] in _SEPARATORS and i > 0 and _is_cjk(chars[i - 1]):
            j = i
            while j < n and chars[j] in _SEPARATORS and j - i < 4:
                j += 1
            if j < n and j - i <= 3 and _is_cjk(chars[j]):
                # Only strip when the run looks inserted: a single ordinary punctuation mark
                # between two words ("你好，我是") is kept so sentences stay sentences.
                run = chars[i:j]
                if not (len(run) == 1 and run[0] in "，。、！：；,!:;"):
                    for k in range(i, j):
                        keep[k] = False
            i = j if j > i else i + 1
            continue
        if chars[i] == " " and not (0 < i < n - 1):
            keep[i] = False
        i += 1
    out_chars = [c for c, k in zip(chars, keep, strict=True) if k]
    out_spans = [s for s, k in zip(spans, keep, strict=True) if k]
    return out_chars, out_spans


def _replace(
    chars: list[str], spans: list[tuple[int, int]], pattern: re.Pattern[str], table: dict[str, str]
) -> tuple[list[str], list[tuple[int, int]]]:
    text = "".join(chars)
    out_chars: list[str] = []
    out_spans: list[tuple[int, int]] = []
    pos = 0
    for m in pattern.finditer(text):
        out_chars.extend(chars[pos : m.start()])
        out_spans.extend(spans[pos : m.start()])
        key = m.group(0)
        repl = table.get(key) or table.get(key.lower()) or key
        whole = (spans[m.start()][0], spans[m.end() - 1][1])
        for ch in repl:
            out_chars.append(ch)
            out_spans.append(whole)
        pos = m.end()
    out_chars.extend(chars[pos:])
    out_spans.extend(spans[pos:])
    return out_chars, out_spans


def normalize(text: str) -> Normalized:
    """Return the canonical form of `text` with the span map back to `text`."""
    chars, spans = _fold(text)
    chars, spans = _drop_separators(chars, spans)
    chars, spans = _replace(chars, spans, _CJK_RE, _CJK_VARIANTS)
    chars, spans = _replace(chars, spans, _LATIN_RE, _LATIN_VARIANTS)
    # Collapse whitespace runs (keeping newlines as one space) for the model and the patterns.
    out_chars: list[str] = []
    out_spans: list[tuple[int, int]] = []
    for ch, span in zip(chars, spans, strict=True):
        c = " " if ch.isspace() or ch in _NEWLINES else ch
        if c == " " and (not out_chars or out_chars[-1] == " "):
            continue
        out_chars.append(c)
        out_spans.append(span)
    if out_chars and out_chars[-1] == " ":
        out_chars.pop()
        out_spans.pop()
    return Normalized("".join(out_chars), out_spans)


def normalize_text(text: str) -> str:
    """Only the canonical text (for training and batch classification)."""
    return normalize(text).text
