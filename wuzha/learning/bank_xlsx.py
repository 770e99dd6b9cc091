"""The question bank as an .xlsx sheet: export, and import with a reason for every bad row.

One row per question: 编号, 题型, 诈骗类型, 年龄段 (、-separated), 难度 (易/中/难 or 1-3), 题干,
选项A … 选项F, 答案 (letters, e.g. "AC"), 解析. Labels or codes are both accepted.
"""

import io
from collections.abc import Iterable
from typing import IO, Any

import xlsxwriter
from openpyxl import load_workbook

from .content import question_problems
from .models import Difficulty, Question, QuestionKind
from .taxonomy import FRAUD_LABELS, AgeBand

OPTION_COLUMNS = 6
HEADER = [
    "编号",
    "题型",
    "诈骗类型",
    "年龄段",
    "难度",
    "题干",
    *[f"选项{chr(65 + i)}" for i in range(OPTION_COLUMNS)],
    "答案",
    "解析",
]
MAX_ROWS = 5000


def _lookup(choices: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for value, label in choices:
        table[str(value)] = value
        table[str(label)] = value
    return table


KIND_LOOKUP = _lookup(QuestionKind.choices)
TYPE_LOOKUP = _lookup(FRAUD_LABELS.items())
BAND_LOOKUP = _lookup(AgeBand.choices)
DIFFICULTY_LOOKUP = _lookup(Difficulty.choices)


def export_questions(questions: Iterable[Question]) -> bytes:
    """The questions' current versions as an .xlsx workbook (re-importable as is)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("题库")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADER, bold)
    sheet.freeze_panes(1, 0)
    for r, q in enumerate(questions, start=1):
        v = q.current
        if v is None:
            continue
        options = list(v.options) + [""] * (OPTION_COLUMNS - len(v.options))
        sheet.write_row(
            r,
            0,
            [
                q.key,
                str(QuestionKind(v.kind).label),
                str(FRAUD_LABELS[v.fraud_type]),
                "、".join(str(AgeBand(b).label) for b in v.age_bands),
                str(Difficulty(v.difficulty).label),
                v.stem,
                *options,
                v.answer_letters,
                v.explanation,
            ],
        )
    sheet.set_column(5, 5, 50)
    sheet.set_column(13, 13, 40)
    book.close()
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_row(cells: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Turn one sheet row into the contract's question dict, with every problem in Chinese."""
    cells = cells + [""] * (len(HEADER) - len(cells))
    key, kind, fraud_type, bands, difficulty, stem = cells[:6]
    options = [c for c in cells[6 : 6 + OPTION_COLUMNS] if c]
    answer_text = cells[6 + OPTION_COLUMNS].upper().replace(",", "").replace("，", "")
    explanation = cells[7 + OPTION_COLUMNS]
    errors: list[str] = []
    raw: dict[str, Any] = {
        "key": key,
        "kind": KIND_LOOKUP.get(kind, kind),
        "fraud_type": TYPE_LOOKUP.get(fraud_type, fraud_type),
        "stem": stem,
        "options": options,
        "explanation": explanation,
    }
    band_parts = [b.strip() for b in bands.replace(",", "、").replace("，", "、").split("、")]
    raw["age_bands"] = [BAND_LOOKUP.get(b, b) for b in band_parts if b]
    raw["difficulty"] = DIFFICULTY_LOOKUP.get(difficulty, difficulty)
    if isinstance(raw["difficulty"], str) and raw["difficulty"].isdigit():
        raw["difficulty"] = int(raw["difficulty"])
    letters = [c for c in answer_text if not c.isspace()]
    if not letters or any(not ("A" <= c <= "F") for c in letters):
        errors.append("答案必须是选项字母，如 A 或 AC")
        raw["answer"] = []
    else:
        raw["answer"] = sorted({ord(c) - 65 for c in letters})
    errors += [p for p in question_problems(raw) if not (errors and p.startswith("答案"))]
    return raw, errors


def parse_sheet(stream: IO[bytes]) -> list[dict[str, Any]]:
    """Every non-empty data row as {"row": n, "key", "data", "errors"}; raises ValueError when
    the file itself is unusable (not .xlsx, wrong header, too many rows)."""
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise ValueError("无法读取文件，请上传由本系统导出的 .xlsx 模板") from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(c) for c in next(rows, ())]
    if header[: len(HEADER)] != HEADER:
        raise ValueError("表头与模板不一致，第一行应为：" + "、".join(HEADER))
    out: list[dict[str, Any]] = []
    keys: dict[str, int] = {}
    for n, values in enumerate(rows, start=2):
        cells = [_cell(c) for c in values[: len(HEADER)]]
        if not any(cells):
            continue
        if len(out) >= MAX_ROWS:
            raise ValueError(f"一次最多导入 {MAX_ROWS} 题")
        data, errors = parse_row(cells)
        key = data["key"]
        if key in keys:
            errors.append(f"编号与第 {keys[key]} 行重复")
        elif key:
            keys[key] = n
        out.append({"row": n, "key": key, "data": data, "errors": errors})
    book.close()
    return out
