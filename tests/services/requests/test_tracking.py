import pytest

from services.requests import tracking

KEY = b"k" * 32


def test_tracking_number_reads_like_the_commune_prints_it():
    assert tracking.format_number(2026, 123) == "BRK-2026-000123-8"


def test_every_single_mistyped_digit_is_caught():
    number = tracking.format_number(2026, 4817)
    digits = [i for i, c in enumerate(number) if c.isdigit()]
    for position in digits:
        for replacement in "0123456789":
            if replacement == number[position]:
                continue
            typo = number[:position] + replacement + number[position + 1 :]
            assert tracking.parse_number(typo) is None, typo


def test_swapped_neighbouring_digits_are_caught():
    number = "BRK-2026-004817-" + tracking.format_number(2026, 4817)[-1]
    swapped = number.replace("4817", "4871")
    assert tracking.parse_number(number) == number
    assert tracking.parse_number(swapped) is None


@pytest.mark.parametrize("typed", ["brk 2026 000123 8", " BRK-2026-000123-8 ", "BRK2026000123-8"])
def test_a_number_typed_loosely_is_understood(typed):
    assert tracking.parse_number(typed) == "BRK-2026-000123-8"


def test_the_receipt_secret_is_derived_and_checked_without_being_stored():
    secret = tracking.access_secret(KEY, "BRK-2026-000123-8", "salt")
    assert len(secret) == 10
    assert tracking.secret_matches(KEY, "BRK-2026-000123-8", "salt", tracking.format_secret(secret).lower())
    assert not tracking.secret_matches(KEY, "BRK-2026-000124-6", "salt", secret)
    assert not tracking.secret_matches(b"other key" * 4, "BRK-2026-000123-8", "salt", secret)


def test_look_alike_letters_in_a_typed_secret_are_read_as_digits():
    secret = "0123456789"
    assert tracking.normalise_secret("O1ZE-4567 89".replace("Z", "2").replace("E", "3")) == secret
    assert tracking.normalise_secret("oIL") == "011"


def test_sequence_numbers_follow_each_other_per_year(db):
    first = tracking.next_sequence(db.session, 2031)
    second = tracking.next_sequence(db.session, 2031)
    other_year = tracking.next_sequence(db.session, 2032)
    assert (first, second, other_year) == (1, 2, 1)
