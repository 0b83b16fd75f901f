import pytest

from socialsched_dagster.domain.handles import clean_external_id, clean_handle, handle_key


@pytest.mark.parametrize("spelling", ["Shop", "shop", "@SHOP", "  @shop  ", "\uff33hop"])
def test_every_spelling_of_a_handle_has_one_key(spelling):
    assert handle_key(spelling) == "shop"


def test_a_shown_handle_keeps_its_case_but_loses_the_at_and_spaces():
    assert clean_handle("  @Acme_Page ") == "Acme_Page"


@pytest.mark.parametrize(
    ("handle", "says"),
    [
        ("", "empty"),
        ("@", "empty"),
        ("a b", "a space"),
        ("a\tb", "control character"),
        ("a;b", "';'"),
        ("a|b", "'|'"),
        ("a,b", "','"),
        ("fb:x", "':'"),
        ("a@b", "'@' may only lead"),
        ("a\x00b", "control character"),
        ("a\u202eb", "control character"),  # right-to-left override: looks like another name
        ("x" * 101, "at most 100"),
        ("\u00df" * 60, "at most 100"),  # folds to 'ss' * 60: the key is what must fit
    ],
)
def test_handles_no_post_could_name_are_refused(handle, says):
    with pytest.raises(ValueError, match=says):
        clean_handle(handle)


@pytest.mark.parametrize(("value", "says"), [(" ", "empty"), ("1 2", "spaces"), ("9" * 129, "128")])
def test_external_ids_are_kept_exact_and_bounded(value, says):
    assert clean_external_id(" UCabcDEF ") == "UCabcDEF"  # ids are case-sensitive
    with pytest.raises(ValueError, match=says):
        clean_external_id(value)
