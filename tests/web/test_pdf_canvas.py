"""The invoice PDF's text layout (hostico/web/pdf_canvas.py): wrapping at spaces, inside a word only when it is wider
than a line, at line breaks, in the runs' own styles."""

from hostico.web.pdf_canvas import BOLD, REGULAR, Style, register_fonts, rgb, wrap

register_fonts()
BODY, STRONG = Style(REGULAR, 10, rgb(0)), Style(BOLD, 10, rgb(0))


def texts(lines) -> list[str]:
    return ["".join(piece[1] for piece in line.pieces) for line in lines]


def test_words_wrap_at_spaces_and_no_line_is_wider_than_asked():
    words = "Găzduire web pentru ștefănescu.ro, plan Business, facturat anual în lei".split()
    lines = wrap([(" ".join(words), BODY)], 120)
    assert len(lines) > 1 and all(line.width <= 120 for line in lines)
    assert " ".join(texts(lines)).split() == words  # every word once, in order, none cut


def test_a_word_wider_than_a_line_is_cut_where_it_overflows():
    word = "https://ștefănescu.ro/" + "x" * 80
    lines = wrap([(f"vezi {word}", BODY)], 100)
    assert texts(lines)[0] == "vezi" and "".join(texts(lines)[1:]) == word
    assert all(line.width <= 100 for line in lines)


def test_a_line_break_starts_a_new_line_and_each_run_keeps_its_style():
    lines = wrap([("Seria", BODY), (" HST", STRONG), ("\n5 decembrie 2026", BODY)], 500)
    assert texts(lines) == ["Seria HST", "5 decembrie 2026"]
    assert [(piece[1], piece[2]) for piece in lines[0].pieces] == [("Seria", BODY), (" HST", STRONG)]
    assert lines[0].pieces[1][0] == BODY.width("Seria")  # the bold word starts where the regular one ends
