"""Direct tests of the tabular readers (journeylog.io.tabular): CSV delimiters, ragged rows,
encodings, JSON Lines broken lines, Parquet magic bytes, format sniffing."""

from __future__ import annotations

import polars as pl
import pytest

from factories import write_file
from journeylog.errors import InvalidInput, ResourceLimit, UsageError
from journeylog.io.tabular import (
    parquet_batches,
    read_csv,
    read_jsonl,
    read_parquet,
    sniff_format,
)


def test_csv_keeps_text_as_written_and_numbers_rows(tmp_path):
    p = write_file(tmp_path, "a.csv", "case,activity\n007,NA\n7,null\n")
    frame = read_csv(p)
    assert frame.rows() == [("007", "NA", 2), ("7", "null", 3)]
    assert frame.schema["case"] == pl.String


@pytest.mark.parametrize("sep, shown, hint", [(";", "';'", "delimiter ';'"), ("\t", "'TAB'", "delimiter '\\t'"),
                                              ("|", "'|'", "delimiter '|'")])
def test_csv_delimiter_hint(tmp_path, sep, shown, hint):
    p = write_file(tmp_path, "a.csv", f"case{sep}activity\nc1{sep}A\n")
    with pytest.raises(InvalidInput) as err:
        read_csv(p)
    assert shown in err.value.message and hint in err.value.one_line() and err.value.row == 1
    assert read_csv(p, delimiter="tab" if sep == "\t" else sep).columns == ["case", "activity", "source_row"]


def test_csv_delimiter_must_be_one_character(tmp_path):
    p = write_file(tmp_path, "a.csv", "case,activity\nc1,A\n")
    with pytest.raises(UsageError, match="one character"):
        read_csv(p, delimiter=";;")


def test_csv_ragged_rows_name_the_first_line(tmp_path):
    p = write_file(tmp_path, "a.csv", "case,activity\nc1,A\nc2,B,extra\nc3\n")
    with pytest.raises(InvalidInput) as err:
        read_csv(p)
    assert err.value.row == 3 and "3 fields, the header has 2" in err.value.message
    assert "1 more rows" in err.value.one_line()


@pytest.mark.parametrize("header, words", [("case,,activity", "empty column name"), ("a,b,a", "duplicate column names")])
def test_csv_bad_headers(tmp_path, header, words):
    p = write_file(tmp_path, "a.csv", f"{header}\n1,2,3\n")
    with pytest.raises(InvalidInput, match=words):
        read_csv(p)


def test_csv_empty_and_header_only(tmp_path):
    with pytest.raises(InvalidInput, match="empty file"):
        read_csv(write_file(tmp_path, "e.csv", "\n \n"))
    with pytest.raises(InvalidInput, match="header but no events"):
        read_csv(write_file(tmp_path, "h.csv", "case,activity\n"))


def test_csv_encodings(tmp_path):
    data = "case,activity\nc1,Caf\u00e9 \u00a35\n".encode("cp1252")
    p = write_file(tmp_path, "w.csv", data)
    with pytest.raises(InvalidInput) as err:
        read_csv(p)
    assert "give encoding," in err.value.one_line()
    assert read_csv(p, encoding="cp1252")["activity"].to_list() == ["Caf\u00e9 \u00a35"]
    bom = write_file(tmp_path, "b.csv", b"\xef\xbb\xbfcase,activity\r\nc1,A\r\n")
    assert read_csv(bom).columns == ["case", "activity", "source_row"]


def test_csv_size_cap_per_call(tmp_path):
    p = write_file(tmp_path, "a.csv", "case,activity\n" + "c1,A\n" * 100)
    with pytest.raises(ResourceLimit):
        read_csv(p, max_bytes=100)


def test_jsonl_broken_line_is_named(tmp_path):
    p = write_file(tmp_path, "a.jsonl", '{"case": "c1", "activity": "A"}\n\n{"case": "c2", "activ\n')
    with pytest.raises(InvalidInput) as err:
        read_jsonl(p)
    assert err.value.row == 3 and "not valid JSON" in err.value.message


def test_jsonl_rows_must_be_objects_and_blank_lines_skip(tmp_path):
    with pytest.raises(InvalidInput, match="must be an object"):
        read_jsonl(write_file(tmp_path, "a.jsonl", '{"a": 1}\n[1, 2]\n'))
    frame = read_jsonl(write_file(tmp_path, "b.jsonl", '{"a": 1}\n\n{"a": 2}\n'))
    assert frame["source_row"].to_list() == [1, 3]


def test_parquet_magic_bytes(tmp_path):
    p = write_file(tmp_path, "fake.parquet", "case,activity\nc1,A\n")
    with pytest.raises(InvalidInput, match="PAR1 magic bytes"):
        read_parquet(p)
    good = tmp_path / "good.parquet"
    pl.DataFrame({"case": ["c1", "c2", "c3"]}).write_parquet(good)
    frame, meta = read_parquet(good)
    assert frame["source_row"].to_list() == [1, 2, 3] and isinstance(meta, dict)
    assert [b.height for b in parquet_batches(good, ["case"], 2)] == [2, 1]


@pytest.mark.parametrize("name, declared, fmt", [("a.csv", None, "csv"), ("a.tsv", None, "csv"), ("a.jsonl", None, "jsonl"),
                                                 ("a.parquet", None, "parquet"), ("a.txt", "csv", "csv")])
def test_sniff_format(tmp_path, name, declared, fmt):
    p = write_file(tmp_path, name, "x\n1\n")
    assert sniff_format(p, declared) == fmt
