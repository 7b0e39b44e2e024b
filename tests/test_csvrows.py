"""layers.records.csvrows: records with their line numbers; the three ways a table file fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.records.csvrows import read_records, read_text_table


class TableError(ValueError):
    pass


def _read(path: Path) -> list[object]:
    return list(
        read_text_table(path, subject=f"table 't': file {path.name!r}", form="a UTF-8 CSV file",
                        error=TableError)
    )


def test_records_keep_their_first_line_and_skip_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes('\ufeffid,quote\n1,"two\nlines"\n\n2,x\n'.encode())
    records = read_records(path)
    assert [r.cells for r in records] == [["id", "quote"], ["1", "two\nlines"], [], ["2", "x"]]
    assert [r.line for r in records] == [1, 2, 4, 5]
    assert [r.blank for r in records] == [False, False, True, False]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "table 't': file 't.csv' does not exist"),
        (b"id\n\xff\xfe\n", "table 't': file 't.csv' is not a UTF-8 CSV file: 'utf-8' codec"),
        (b"", "table 't': file 't.csv' is empty (no header)"),
    ],
)
def test_a_table_file_fails_with_the_callers_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "t.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TableError) as caught:
        _read(path)
    assert str(caught.value).startswith(message)
    assert caught.value.__cause__ is None  # the message says it all; no chained traceback


def test_a_table_with_a_header_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id\n", encoding="utf-8")
    assert len(_read(path)) == 1
