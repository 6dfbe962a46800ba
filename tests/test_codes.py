"""Tests for vault.codes: backup codes and recovery keys pasted as services print them."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault.codes import (
    SHAPE_1PASSWORD,
    SHAPE_BITLOCKER,
    SHAPE_MICROSOFT,
    RecoveryKey,
    normalize_code,
    parse_backup_codes,
    parse_recovery_key,
)
from vault.errors import InvalidData
from vault.otp.imports import read_sources

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# Every sample in examples/ must appear here: ("codes", count) or ("key", shape), or
# ("otpauth", accounts) for authenticator links, which tests/test_import.py checks in full.
EXPECTED_EXAMPLES: dict[str, tuple[str, int | str]] = {
    "github-recovery-codes.txt": ("codes", 16),
    "google-backup-codes.txt": ("codes", 10),
    "numbered-codes.txt": ("codes", 8),
    "codes-one-line.txt": ("codes", 6),
    "microsoft-recovery-code.txt": ("key", SHAPE_MICROSOFT),
    "1password-secret-key.txt": ("key", SHAPE_1PASSWORD),
    "bitlocker-recovery-key.txt": ("key", SHAPE_BITLOCKER),
    "otpauth-links.txt": ("otpauth", 6),
}

GITHUB = ["a1b2c-3d4e5", "f6a7b-8c9d0", "0e1f2-a3b4c"]
GOOGLE = ["1234 5678", "2345 6789", "3456 7890", "4567 8901"]


# --- one code per line -------------------------------------------------------------------


def test_one_code_per_line() -> None:
    assert parse_backup_codes("\n".join(GITHUB) + "\n") == GITHUB


def test_crlf_line_endings() -> None:
    assert parse_backup_codes("\r\n".join(GITHUB) + "\r\n") == GITHUB


def test_leading_and_trailing_spaces() -> None:
    assert parse_backup_codes("   a1b2c-3d4e5   \n\tf6a7b-8c9d0 \t\n") == GITHUB[:2]


def test_tabs_around_codes() -> None:
    assert parse_backup_codes("\t1234 5678\t\n\t\t2345 6789\n") == GOOGLE[:2]


def test_odd_spaces_between_groups_become_one_space() -> None:
    assert parse_backup_codes("1234\u00a05678\n2345\u20096789") == GOOGLE[:2]


def test_case_and_dashes_are_kept() -> None:
    assert parse_backup_codes("AbCd-1234\n") == ["AbCd-1234"]


# --- numbering and bullets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. 1234 5678\n2. 2345 6789", GOOGLE[:2]),
        ("1) abcd-efgh\n2) ijkl-mnop", ["abcd-efgh", "ijkl-mnop"]),
        ("01 - a1b2c-3d4e5\n02 - f6a7b-8c9d0", GITHUB[:2]),
        ("#1 a1b2c-3d4e5\n#2 f6a7b-8c9d0", GITHUB[:2]),
        ("(1) a1b2c-3d4e5\n(2) f6a7b-8c9d0", GITHUB[:2]),
        ("1: a1b2c-3d4e5\n2: f6a7b-8c9d0", GITHUB[:2]),
        ("[1] a1b2c-3d4e5\n[2] f6a7b-8c9d0", GITHUB[:2]),
        ("1.\ta1b2c-3d4e5\n2.      f6a7b-8c9d0", GITHUB[:2]),
    ],
)
def test_numbered_lists(text: str, expected: list[str]) -> None:
    assert parse_backup_codes(text) == expected


@pytest.mark.parametrize("bullet", ["-", "*", "\u2022", "\u00b7", ">"])
def test_bullets(bullet: str) -> None:
    text = f"{bullet} a1b2c-3d4e5\n  {bullet} f6a7b-8c9d0\n"
    assert parse_backup_codes(text) == GITHUB[:2]


def test_unicode_dash_after_number() -> None:
    assert parse_backup_codes("01 \u2013 a1b2c-3d4e5") == ["a1b2c-3d4e5"]


def test_numbered_codes_are_returned_in_number_order() -> None:
    text = "3. 3456 7890\n1. 1234 5678\n2. 2345 6789"
    assert parse_backup_codes(text) == GOOGLE[:3]


def test_repeated_numbers_keep_document_order() -> None:
    text = "2. 2345 6789\n1. 1234 5678\nlist two\n2. 3456 7890\n1. 4567 8901"
    assert parse_backup_codes(text) == ["2345 6789", "1234 5678", "3456 7890", "4567 8901"]


# --- several codes on a line -------------------------------------------------------------


def test_several_dashed_codes_on_one_line() -> None:
    assert parse_backup_codes("abcde-12345 fghij-67890") == ["abcde-12345", "fghij-67890"]


def test_several_long_codes_on_one_line() -> None:
    assert parse_backup_codes("12345678 87654321") == ["12345678", "87654321"]


def test_columns_separated_by_wide_gaps_and_tabs() -> None:
    text = "1234 5678      2345 6789\n3456 7890\t4567 8901\n"
    assert parse_backup_codes(text) == GOOGLE


def test_numbered_columns_with_wide_gap() -> None:
    text = "1. 1234 5678     3. 3456 7890\n2. 2345 6789     4. 4567 8901\n"
    assert parse_backup_codes(text) == GOOGLE


def test_numbered_columns_with_single_space() -> None:
    text = "1. 1234 5678 3. 3456 7890\n2. 2345 6789 4. 4567 8901\n"
    assert parse_backup_codes(text) == GOOGLE


def test_comma_separated_codes() -> None:
    assert parse_backup_codes("a1b2c-3d4e5, f6a7b-8c9d0; 0e1f2-a3b4c") == GITHUB


# --- Google's grouped codes --------------------------------------------------------------


def test_google_code_is_one_code_not_two() -> None:
    assert parse_backup_codes("1234 5678") == ["1234 5678"]


def test_row_of_two_grouped_codes_is_split_by_document_rule() -> None:
    text = "1234 5678 2345 6789\n3456 7890\n"
    assert parse_backup_codes(text) == GOOGLE[:3]


def test_every_row_four_groups_stays_whole() -> None:
    # Nothing in the document says codes have two groups, so four-group codes are kept whole.
    text = "1234 5678 2345 6789\n3456 7890 4567 8901\n"
    assert parse_backup_codes(text) == ["1234 5678 2345 6789", "3456 7890 4567 8901"]


def test_unequal_groups_are_not_split() -> None:
    text = "1234 5678\n2345 6789\n123 45678 2345 6789\n"
    assert parse_backup_codes(text)[-1] == "123 45678 2345 6789"


def test_three_group_codes() -> None:
    text = "123 456 789\n234 567 890 345 678 901\n"
    assert parse_backup_codes(text) == ["123 456 789", "234 567 890", "345 678 901"]


# --- noise is ignored --------------------------------------------------------------------


@pytest.mark.parametrize(
    "noise",
    [
        "BACKUP CODES",
        "2026-11-24",
        "11/24/2026",
        "11-24-2026",
        "Nov 24, 2026",
        "Generated: 2026-11-24 14:05",
        "14:05",
        "alex@example.com",
        "https://example.com/settings/security",
        "g.co/2sv",
        "",
        "   ",
        "Keep these codes somewhere safe.",
        "Each code can be used only once - then it expires.",
        "Page 1 of 2",
        "42",
    ],
)
def test_noise_lines_are_ignored(noise: str) -> None:
    assert parse_backup_codes(f"{noise}\na1b2c-3d4e5\n{noise}\n") == ["a1b2c-3d4e5"]


def test_prose_line_with_code_like_words_is_ignored() -> None:
    text = "Use a code like abcd-1234 to sign in\n1234 5678\n"
    assert parse_backup_codes(text) == ["1234 5678"]


def test_numbered_instruction_is_ignored() -> None:
    text = "1. Open https://example.com\n2. Enter one code\n3. 1234 5678\n"
    assert parse_backup_codes(text) == ["1234 5678"]


def test_invisible_characters_and_typographic_dashes() -> None:
    text = "\ufeffa1b2c\u20113d4e5\nf6a7b\u20138c9d0\u200b\n0e1f2\u00ad-a3b4c"
    assert parse_backup_codes(text) == GITHUB


# --- duplicates and empty input ----------------------------------------------------------


def test_duplicates_dropped_keeping_first() -> None:
    text = "1234 5678\n12345678\n1234-5678\n2345 6789\nA1B2C-3D4E5\na1b2c3d4e5\n"
    assert parse_backup_codes(text) == ["1234 5678", "2345 6789", "A1B2C-3D4E5"]


@pytest.mark.parametrize("text", ["", "   \n\n", "BACKUP CODES\nKeep them safe.", "12 34"])
def test_no_codes_raises_invalid_data(text: str) -> None:
    with pytest.raises(InvalidData, match="no backup codes found in the input"):
        parse_backup_codes(text)


def test_normalize_code() -> None:
    assert normalize_code(" AbC-d 12\u2013 34\t") == "abcd1234"
    assert normalize_code("1234 5678") == normalize_code("12345678")


# --- recovery keys -----------------------------------------------------------------------

BITLOCKER = "000011-000022-000033-000044-000055-000066-000077-715715"
BITLOCKER_FILE = (
    "BitLocker Drive Encryption recovery key\r\n\r\n"
    "To verify that this is the correct recovery key, compare the start of the following "
    "identifier with the identifier value displayed on your PC.\r\n\r\n"
    "Identifier:\r\n\r\n\t1A2B3C4D-5E6F-7A8B-9C0D-1E2F3A4B5C6D\r\n\r\n"
    f"Recovery Key:\r\n\r\n\t{BITLOCKER}\r\n"
)


def test_bitlocker_file_takes_key_not_identifier() -> None:
    assert parse_recovery_key(BITLOCKER_FILE) == RecoveryKey(BITLOCKER, SHAPE_BITLOCKER, ())


def test_bitlocker_typo_is_warned_but_accepted() -> None:
    key = parse_recovery_key(BITLOCKER.replace("000033", "000034"))
    assert key.shape == SHAPE_BITLOCKER
    assert key.warnings == ("group 3 fails BitLocker's check (likely a typo)",)


def test_bitlocker_group_too_large_is_warned() -> None:
    # 720896 is divisible by 11 but above the 16-bit range BitLocker groups encode.
    key = parse_recovery_key(BITLOCKER.replace("715715", "720896"))
    assert key.warnings == ("group 8 fails BitLocker's check (likely a typo)",)


def test_bitlocker_typed_with_spaces_is_stored_with_dashes() -> None:
    key = parse_recovery_key(BITLOCKER.replace("-", " "))
    assert (key.value, key.shape) == (BITLOCKER, SHAPE_BITLOCKER)


def test_nine_groups_are_not_bitlocker() -> None:
    assert parse_recovery_key(BITLOCKER + "-000088").shape is None


def test_1password_secret_key() -> None:
    text = "Secret Key\nA3-ABC234-DEF567-GHJ89-KLM23-NPQ45-RST67\nmy.1password.com"
    key = parse_recovery_key(text)
    assert key == RecoveryKey("A3-ABC234-DEF567-GHJ89-KLM23-NPQ45-RST67", SHAPE_1PASSWORD)


def test_1password_lowercase_is_uppercased() -> None:
    key = parse_recovery_key("a3-abc234-def567-ghj89-klm23-npq45-rst67")
    assert (key.value, key.shape) == ("A3-ABC234-DEF567-GHJ89-KLM23-NPQ45-RST67", SHAPE_1PASSWORD)


def test_microsoft_recovery_code() -> None:
    key = parse_recovery_key("Your recovery code: ABCDE-FGH23-JKLMN-PQR45-TVWXY.")
    assert (key.value, key.shape) == ("ABCDE-FGH23-JKLMN-PQR45-TVWXY", SHAPE_MICROSOFT)


def test_lowercase_five_by_five_is_not_uppercased() -> None:
    key = parse_recovery_key("abcde-fgh23-jklmn-pqr45-tvwxy")
    assert key == RecoveryKey("abcde-fgh23-jklmn-pqr45-tvwxy", None)


def test_same_key_twice_is_fine() -> None:
    assert parse_recovery_key(f"{BITLOCKER}\n{BITLOCKER}\n").value == BITLOCKER


def test_two_different_known_keys_are_refused() -> None:
    with pytest.raises(InvalidData):
        parse_recovery_key(f"{BITLOCKER}\nABCDE-FGH23-JKLMN-PQR45-TVWXY\n")


def test_unknown_shape_single_candidate() -> None:
    text = "Recovery key for Example:\n  xk42-pq9z-77hh  \nStore it safely."
    assert parse_recovery_key(text) == RecoveryKey("xk42-pq9z-77hh", None)


def test_unknown_shape_single_line_is_kept_whole() -> None:
    assert parse_recovery_key("  Xy7$kL9!q#2  \n\n").value == "Xy7$kL9!q#2"


def test_unknown_shape_multi_line_is_kept_whole() -> None:
    text = "\nword1 apple river\nstone 42 cloud\n"
    assert parse_recovery_key(text) == RecoveryKey("word1 apple river\nstone 42 cloud", None)


@pytest.mark.parametrize("text", ["", "  \n\t\n", "\ufeff"])
def test_empty_recovery_key_raises(text: str) -> None:
    with pytest.raises(InvalidData, match="no recovery key found in the input"):
        parse_recovery_key(text)


# --- samples in examples/ ----------------------------------------------------------------


def test_every_example_parses_as_documented() -> None:
    samples = sorted(EXAMPLES.glob("*.txt"))
    assert samples, "examples/ has no samples"
    for sample in samples:
        assert sample.name in EXPECTED_EXAMPLES, f"{sample.name} has no expectation in the test"
        kind, expected = EXPECTED_EXAMPLES[sample.name]
        text = sample.read_text(encoding="utf-8")
        if kind == "codes":
            assert len(parse_backup_codes(text)) == expected, sample.name
        elif kind == "otpauth":
            assert len(read_sources([str(sample)]).found) == expected, sample.name
        else:
            key = parse_recovery_key(text)
            assert (key.shape, key.warnings) == (expected, ()), sample.name


def test_google_example_is_in_printed_order() -> None:
    text = (EXAMPLES / "google-backup-codes.txt").read_text(encoding="utf-8")
    rows = [line.split() for line in text.splitlines() if line[:1].isdigit()]
    left = [" ".join(row[1:3]) for row in rows]
    right = [" ".join(row[4:6]) for row in rows]
    assert parse_backup_codes(text) == left + right


# --- properties --------------------------------------------------------------------------


def _parse_both(text: str) -> None:
    with contextlib.suppress(InvalidData):
        codes = parse_backup_codes(text)
        assert codes and all(isinstance(code, str) and code for code in codes)
    with contextlib.suppress(InvalidData):
        assert parse_recovery_key(text).value


@pytest.mark.slow
@settings(max_examples=300)
@given(st.text())
def test_random_text_only_raises_invalid_data(text: str) -> None:
    _parse_both(text)
    assert isinstance(normalize_code(text), str)


_code_text = st.text(
    alphabet="0123456789abcdefABCDEF-.):#()[]\u2022*  \t\n\r,;@/", min_size=0, max_size=80
)


@settings(max_examples=300)
@given(_code_text)
def test_code_like_noise_only_raises_invalid_data(text: str) -> None:
    _parse_both(text)


def _chars(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=size, max_size=size)


_HEX = "0123456789abcdef"
_DIGITS = "0123456789"
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_SHAPES = {
    "github": st.builds(lambda a, b: f"{a}-{b}", _chars(_HEX, 5), _chars(_HEX, 5)),
    "google": st.builds(lambda a, b: f"{a} {b}", _chars(_DIGITS, 4), _chars(_DIGITS, 4)),
    "digits": _chars(_DIGITS, 8),
    "discord": st.builds(lambda a, b: f"{a}-{b}", _chars(_ALNUM, 4), _chars(_ALNUM, 4)),
}


def _layout(codes: list[str], style: str) -> str:
    if style == "lines":
        return "\n".join(codes)
    if style == "numbered":
        return "\n".join(f"{n}. {code}" for n, code in enumerate(codes, start=1))
    if style == "columns":
        rows = [codes[i : i + 2] for i in range(0, len(codes), 2)]
        return "\n".join("      ".join(row) for row in rows)
    # Google's printout: numbered down the left column, then down the right one.
    half = (len(codes) + 1) // 2
    lines = []
    for row in range(half):
        cells = [f"{row + 1}. {codes[row]}"]
        if row + half < len(codes):
            cells.append(f"{row + half + 1}. {codes[row + half]}")
        lines.append(("   " if style == "google" else " ").join(cells))
    return "\n".join(lines)


@settings(max_examples=200)
@given(
    shape=st.sampled_from(sorted(_SHAPES)),
    style=st.sampled_from(["lines", "numbered", "columns", "google", "google-tight"]),
    data=st.data(),
)
def test_generated_codes_round_trip(shape: str, style: str, data: st.DataObject) -> None:
    codes = data.draw(st.lists(_SHAPES[shape], min_size=1, max_size=16, unique_by=normalize_code))
    heading = "BACKUP CODES\nalex@example.com\n\n"
    footer = "\n\n* You can only use each code once.\n* Generated on: Nov 24, 2026\n"
    assert parse_backup_codes(heading + _layout(codes, style) + footer) == codes
