from pathways.diffing import Chunk, has_changes, word_diff


def test_a_changed_word_is_one_delete_and_one_insert_of_whole_words():
    chunks = word_diff(
        "Fastlegen henviser til BUP ved moderate plager.", "Fastlegen henviser til BUP ved alvorlige plager."
    )
    assert Chunk("delete", "moderate") in chunks
    assert Chunk("insert", "alvorlige") in chunks
    assert "".join(c.text for c in chunks if c.op != "insert") == "Fastlegen henviser til BUP ved moderate plager."
    assert "".join(c.text for c in chunks if c.op != "delete") == "Fastlegen henviser til BUP ved alvorlige plager."


def test_words_are_never_split():
    chunks = word_diff("kartlegging", "kartleggingen")
    assert chunks == [Chunk("delete", "kartlegging"), Chunk("insert", "kartleggingen")]


def test_identical_texts_have_no_changes():
    assert not has_changes(word_diff("Samme tekst.", "Samme tekst."))


def test_added_text_from_nothing():
    assert word_diff("", "Ny seksjon.") == [Chunk("insert", "Ny seksjon.")]


def test_private_use_characters_in_the_text_do_not_confuse_the_mapping():
    old, new = "a \U000f0000 b", "a \U000f0000 c"
    chunks = word_diff(old, new)
    assert "".join(c.text for c in chunks if c.op != "insert") == old
    assert "".join(c.text for c in chunks if c.op != "delete") == new
