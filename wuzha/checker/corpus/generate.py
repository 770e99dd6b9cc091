"""Build the project's own corpus from the templates: deterministic, no outside data.

    python -m wuzha.checker.corpus.generate          # writes generated.jsonl beside this file

Each line is {"text", "label", "genre", "split"}; `split` is "train" or "heldout" (15 %, chosen
by a hash of the text so it is stable across runs). The checker_train command calls `build()`
directly, so the JSONL file is only for reading and for other tools.
"""

import hashlib
import json
import random
import re
from pathlib import Path

from .slots import SLOTS
from .templates_fraud import FRAUD, SCRIPT_CLOSE, SCRIPT_OPEN, VICTIM_REPLIES
from .templates_normal import (
    ADS_CTA,
    ADS_OFFER,
    ADS_OPEN,
    ADS_OPTOUT,
    CHAT_BODY,
    CHAT_OPEN,
    NARRATIVE_CLAIM,
    NARRATIVE_END,
    NARRATIVE_OPEN,
    NARRATIVE_ROLE,
    NORMAL,
    WARNING_BODY,
    WARNING_CLOSE,
    WARNING_OPEN,
)

HERE = Path(__file__).resolve().parent
SEED = 20260
PER_FRAUD_TYPE = 700
PER_NORMAL_GENRE = 500
WARNINGS = 1000
ADS = 2500
NARRATIVES = 500
CHATS = 800
_SLOT = re.compile(r"\{(\w+)\}")


def _url(rng: random.Random) -> str:
    token = "".join(rng.choice("abcdefghjkmnpqrstuvwxyzABCDEFGH23456789") for _ in range(6))
    host = rng.choice(
        ["t.cn", "dwz.cn", "url.cn", "u.nu", "abc-vip.top", "kf-pay.xyz", "m.example-shop.com"]
    )
    return f"{rng.choice(['http://', 'https://', ''])}{host}/{token}"


def _fill(template: str, rng: random.Random) -> str:
    def value(m: re.Match[str]) -> str:
        slot = m.group(1)
        if slot in SLOTS:
            return rng.choice(SLOTS[slot])
        if slot == "digits4":
            return f"{rng.randint(0, 9999):04d}"
        if slot == "digits6":
            return f"{rng.randint(0, 999999):06d}"
        if slot == "amount":
            n = rng.choice([500, 800, 1000, 2000, 3000, 5000, 8000, 10000, 20000, 50000])
            return rng.choice([f"{n}元", f"{n}块", f"{n}", "几千块", "两万元", "一万块"])
        if slot == "small":
            return str(rng.choice([5, 10, 20, 50, 88, 99, 100, 200, 300, 500]))
        if slot == "percent":
            return rng.choice(["5%", "10%", "15%", "20%", "30%", "百分之十", "百分之二十"])
        if slot in ("n", "n2"):
            return str(rng.randint(2, 12))
        if slot in ("money", "money2"):
            return f"{rng.randint(5, 9999)}.{rng.randint(0, 99):02d}"
        if slot == "hour":
            return str(rng.randint(7, 18))
        if slot == "minute":
            return f"{rng.randint(0, 59):02d}"
        if slot == "day":
            return str(rng.randint(1, 28))
        if slot == "month":
            return str(rng.randint(1, 12))
        if slot == "url":
            return _url(rng)
        if slot == "phone":
            return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        if slot == "card":
            return "62" + "".join(rng.choice("0123456789") for _ in range(14))
        raise KeyError(slot)

    return _SLOT.sub(value, template)


def _split(text: str) -> str:
    digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
    return "heldout" if digest[0] < 38 else "train"  # ~15 %


def _compose_fraud(parts: dict[str, list[str]], rng: random.Random) -> str:
    style = rng.random()
    hooks = rng.sample(parts["hook"], k=min(2, len(parts["hook"])))
    if style < 0.2:  # a call transcript or chat thread
        turns = [rng.choice(parts["open"]) + hooks[0], hooks[1], rng.choice(parts["ask"])]
        lines: list[str] = []
        for turn in turns:
            lines.append("A: " + turn)
            lines.append("B: " + rng.choice(VICTIM_REPLIES))
        return "\n".join(lines[: rng.choice([4, 5, 6])])
    if style < 0.35:  # a call script or long message
        pieces = [rng.choice(parts["open"]), *hooks, rng.choice(parts["ask"])]
        pieces.append(rng.choice(parts["close"]))
        if rng.random() < 0.5:
            pieces.insert(0, rng.choice(SCRIPT_OPEN))
        if rng.random() < 0.6:
            pieces.append(rng.choice(SCRIPT_CLOSE))
    elif style < 0.8:  # an SMS or chat message
        pieces = [rng.choice(parts["open"]), hooks[0], rng.choice(parts["ask"])]
        if rng.random() < 0.4:
            pieces.append(rng.choice(parts["close"]))
        if rng.random() < 0.3:
            pieces.insert(0, rng.choice(SCRIPT_OPEN))
    else:  # short, sometimes with only a polite greeting and a closing line
        pieces = [hooks[0], rng.choice(parts["ask"])]
        if rng.random() < 0.4:
            pieces = [rng.choice(SCRIPT_OPEN), *pieces, rng.choice(SCRIPT_CLOSE)]
    return "".join(p for p in pieces if p)


def _compose_warning(rng: random.Random) -> str:
    bodies = rng.sample(WARNING_BODY, k=rng.choice([1, 2, 2, 3]))
    pieces = [rng.choice(WARNING_OPEN) if rng.random() < 0.8 else "", *bodies]
    pieces.append(rng.choice(WARNING_CLOSE))
    return "".join(pieces)


def _compose_ad(rng: random.Random) -> str:
    offers = rng.sample(ADS_OFFER, k=rng.choice([1, 1, 2]))
    pieces = [rng.choice(ADS_OPEN), *offers, rng.choice(ADS_CTA), rng.choice(ADS_OPTOUT)]
    return "".join(pieces)


def _compose_narrative(rng: random.Random) -> str:
    role = rng.choice(NARRATIVE_ROLE)
    opening = rng.choice(NARRATIVE_OPEN).replace("{role}", role)
    return opening + rng.choice(NARRATIVE_CLAIM) + rng.choice(NARRATIVE_END)


def _compose_chat(rng: random.Random) -> str:
    bodies = rng.sample(CHAT_BODY, k=rng.choice([1, 1, 2]))
    return rng.choice(CHAT_OPEN) + "".join(bodies)


def build(seed: int = SEED) -> list[dict[str, str]]:
    """Return the generated corpus rows (deterministic for a given seed)."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    per_genre: dict[str, int] = {}

    def add(text: str, label: str, genre: str) -> None:
        text = text.strip()
        if text and text not in seen:
            seen.add(text)
            per_genre[genre] = per_genre.get(genre, 0) + 1
            rows.append({"text": text, "label": label, "genre": genre, "split": _split(text)})

    for label, parts in FRAUD.items():
        for _ in range(PER_FRAUD_TYPE * 2):
            if per_genre.get(label, 0) >= PER_FRAUD_TYPE:
                break
            add(_fill(_compose_fraud(parts, rng), rng), label, label)
    for genre, templates in NORMAL.items():
        if not templates:
            continue
        for _ in range(PER_NORMAL_GENRE * 3):
            if per_genre.get(genre, 0) >= PER_NORMAL_GENRE:
                break
            text = _fill(rng.choice(templates), rng)
            if rng.random() < 0.2:
                # Two messages pasted together, as people do with a chat thread.
                text += "\n" + _fill(rng.choice(templates), rng)
            add(text, "normal", genre)
    for _ in range(WARNINGS * 3):
        if per_genre.get("warning", 0) >= WARNINGS:
            break
        add(_fill(_compose_warning(rng), rng), "normal", "warning")
    for _ in range(ADS * 3):
        if per_genre.get("ads_composed", 0) >= ADS:
            break
        add(_fill(_compose_ad(rng), rng), "normal", "ads_composed")
    for _ in range(NARRATIVES * 3):
        if per_genre.get("warning_narrative", 0) >= NARRATIVES:
            break
        add(_fill(_compose_narrative(rng), rng), "normal", "warning_narrative")
    for _ in range(CHATS * 3):
        if per_genre.get("chat_composed", 0) >= CHATS:
            break
        add(_fill(_compose_chat(rng), rng), "normal", "chat_composed")
    return rows


def load_handwritten() -> list[dict[str, str]]:
    """The hand-written messages (`handwritten.jsonl`), each with its own split."""
    path = HERE / "handwritten.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_written() -> list[dict[str, str]]:
    """The free-written messages (`written/*.jsonl`), split by a hash of the text like `build`."""
    rows: list[dict[str, str]] = []
    for path in sorted((HERE / "written").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    text = row["text"].strip()
                    rows.append(
                        {
                            "text": text,
                            "label": row["label"],
                            "genre": f"written_{row.get('genre', '')}",
                            "split": _split(text),
                            "file": path.stem,
                        }
                    )
    return rows


def main() -> None:
    rows = build()
    with (HERE / "generated.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows written to {HERE / 'generated.jsonl'}")


if __name__ == "__main__":
    main()
