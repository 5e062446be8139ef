"""GSM-7 transliteration and segment counting (GSM-7 160/153, UCS-2 70/67), and the segment limit."""

import pytest

from hostico.notify.sms.gsm7 import MessageTooLong, is_gsm7, prepare_sms_text, segment_info, transliterate


def test_romanian_diacritics_are_transliterated_both_forms():
    assert transliterate("ăâîșşțţ ĂÂÎȘŞȚŢ") == "aaisstt AAISSTT"
    assert transliterate("Factura „proformă” – plătită") == 'Factura "proforma" - platita'
    assert is_gsm7(transliterate("Găzduirea ta la Hostico a fost suspendată până la plată"))


@pytest.mark.parametrize(("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3)])
def test_gsm7_segments(length, segments):
    info = segment_info("a" * length)
    assert (info.encoding, info.units, info.segments) == ("GSM-7", length, segments)


def test_extension_characters_count_twice_and_are_not_split():
    assert segment_info("€" * 80).units == 160 and segment_info("€" * 80).segments == 1
    assert segment_info("€" * 81).segments == 2
    # 152 plain septets + one escape pair cannot share the 153-septet part: the pair moves on.
    assert segment_info("a" * 152 + "€" + "a" * 7).segments == 2
    assert segment_info("a" * 152 + "€" + "a" * 160).segments == 3


@pytest.mark.parametrize(("length", "segments"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_segments(length, segments):
    info = segment_info("ж" * length)
    assert (info.encoding, info.segments) == ("UCS-2", segments)


def test_one_non_gsm_character_switches_the_whole_text_to_ucs2():
    assert segment_info("a" * 69 + "ș").encoding == "UCS-2"
    assert segment_info("a" * 80 + "ș").segments == 2
    assert segment_info(transliterate("a" * 80 + "ș")).segments == 1


def test_emoji_take_two_ucs2_units():
    assert segment_info("😀" * 35).units == 70 and segment_info("😀" * 35).segments == 1
    assert segment_info("😀" * 36).segments == 2


def test_texts_longer_than_the_maximum_are_refused():
    assert prepare_sms_text("Plată  primită\n pentru  site.ro", 1) == "Plata primita pentru site.ro"
    with pytest.raises(MessageTooLong):
        prepare_sms_text("x" * 161, 1)
    assert len(prepare_sms_text("x" * 161, 2)) == 161
