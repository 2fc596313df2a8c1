import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum.cn import ric, uscc

from portal.identity import (
    mask_id_number,
    normalize_id_number,
    normalize_name,
    normalize_phone,
    validate_credit_code,
    validate_id_number,
)
from portal.models import Unit, User
from tests.factories import CityFactory, id_number_for


def with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def assert_refused(value, code, validator=validate_id_number):
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    assert excinfo.value.code == code
    return str(excinfo.value.messages[0])


class TestIdNumber:
    def test_valid_number_passes(self):
        assert validate_id_number("11010519491231002X") == "11010519491231002X"

    def test_lower_case_x_is_accepted_and_upper_cased(self):
        assert validate_id_number("11010519491231002x") == "11010519491231002X"

    def test_wrong_check_digit_is_refused_in_chinese(self):
        message = assert_refused(wrong_check("11010519491231002X"), "checksum")
        assert "校验位" in message

    def test_impossible_birth_date_is_refused(self):
        message = assert_refused(with_check("37010219990230001"), "birth_date")
        assert "19990230" in message

    def test_future_birth_date_is_refused(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        message = assert_refused(with_check(f"370102{tomorrow:%Y%m%d}001"), "birth_date")
        assert "出生日期" in message

    @pytest.mark.parametrize("value", ["37010219850615001", "3701021985061500123", ""])
    def test_wrong_length_is_refused(self, value):
        assert "18" in assert_refused(value, "length")

    def test_letters_inside_are_refused(self):
        assert_refused("3701021985A615001X", "format")

    @pytest.mark.parametrize("area", ["810000", "820000", "830000"])
    def test_residence_permits_of_hong_kong_macao_taiwan_pass(self, area):
        number = with_check(f"{area}19940823002")
        if area != "820000":
            assert not ric.is_valid(number)  # python-stdnum's validate would refuse it
        assert validate_id_number(number) == number

    def test_address_code_stdnum_does_not_know_still_passes(self):
        number = with_check("37019919800101001")  # 370199 is no county code
        assert validate_id_number(number) == number

    def test_mask_keeps_first_six_and_last_four(self):
        assert mask_id_number("11010519491231002X") == "110105********002X"


class TestCreditCode:
    def test_valid_code_passes(self):
        assert validate_credit_code("91110000600037341L") == "91110000600037341L"

    def test_lower_case_is_normalised(self):
        assert validate_credit_code("91110000600037341l") == "91110000600037341L"

    def test_credit_code_typed_full_width_with_invisible_characters(self):
        typed = "９１１１ ００００ ６０００ ３７３４ １ｌ\u200b"
        assert validate_credit_code(typed) == "91110000600037341L"

    def test_wrong_check_character_is_refused(self):
        message = assert_refused("91110000600037341M", "checksum", validate_credit_code)
        assert "校验位" in message

    def test_letters_in_first_two_places_pass(self):
        body = "N1370100MA3C12345"
        code = body + uscc.calc_check_digit(body)
        assert not uscc.is_valid(code)  # python-stdnum would refuse it
        assert validate_credit_code(code) == code

    @pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
    def test_letters_outside_the_alphabet_are_refused(self, letter):
        message = assert_refused(f"9111000060003734{letter}L", "format", validate_credit_code)
        assert letter in message

    def test_non_digits_in_region_are_refused(self):
        assert_refused("9111A000600037341L", "format", validate_credit_code)

    def test_wrong_length_is_refused(self):
        assert_refused("9111000060003734", "length", validate_credit_code)


@pytest.mark.django_db
class TestModelsUseTheChecks:
    def test_user_with_bad_id_number_fails_validation_and_is_not_saved(self):
        user = User(id_number=wrong_check(id_number_for(1)), real_name="张三")
        with pytest.raises(ValidationError) as excinfo:
            user.full_clean(exclude=["password"])
        assert "id_number" in excinfo.value.message_dict
        assert not User.objects.exists()

    def test_create_user_stores_upper_case_x(self):
        user = User.objects.create_user("11010519491231002x", "pw-2025-long", real_name="张三")
        assert User.objects.get(pk=user.pk).id_number == "11010519491231002X"

    def test_unit_with_bad_credit_code_fails_validation(self):
        unit = Unit(name="某单位", credit_code="91110000600037341M", city=CityFactory())
        with pytest.raises(ValidationError) as excinfo:
            unit.full_clean()
        assert "credit_code" in excinfo.value.message_dict


MIDDLE_DOT_LOOK_ALIKES = ["•", "‧", "∙", "⋅", "・", "･", "．", ".", "ꞏ", "·"]


class TestNormalizeName:
    @pytest.mark.parametrize("dot", MIDDLE_DOT_LOOK_ALIKES)
    def test_every_middle_dot_look_alike_becomes_u00b7(self, dot):
        assert normalize_name(f"阿依古丽{dot}吐尔逊") == "阿依古丽\u00b7吐尔逊"

    @pytest.mark.parametrize(
        "written", ["阿依古丽 • 吐尔逊", "阿依古丽\u3000・\u3000吐尔逊", "阿依古丽 . 吐尔逊"]
    )
    def test_spaces_around_the_dot_go(self, written):
        assert normalize_name(written) == "阿依古丽·吐尔逊"

    @pytest.mark.parametrize(
        "written", ["阿依古丽··吐尔逊", "阿依古丽•・吐尔逊", "阿依古丽..吐尔逊"]
    )
    def test_a_doubled_dot_is_one_dot(self, written):
        assert normalize_name(written) == "阿依古丽·吐尔逊"

    @pytest.mark.parametrize("written", ["李　华", "李 华", " 李华 ", "李\u00a0华", "李\t华\n"])
    def test_spaces_inside_a_chinese_name_are_dropped(self, written):
        assert normalize_name(written) == "李华"

    @pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u200d", "\u200f", "\u00ad"])
    def test_invisible_characters_are_removed(self, invisible):
        assert normalize_name(f"{invisible}李{invisible}华{invisible}") == "李华"

    def test_nfkc_folds_full_width_latin_and_keeps_one_space_in_a_latin_name(self):
        assert normalize_name("Ｍａｒｙ　 Ｓｍｉｔｈ") == "Mary Smith"

    def test_a_full_stop_in_a_latin_name_is_left_alone(self):
        assert normalize_name("J. Smith") == "J. Smith"

    def test_u00b7_and_plain_names_are_unchanged(self):
        for name in ("阿依古丽·吐尔逊", "李华", "欧阳娜娜"):
            assert normalize_name(name) == name

    @pytest.mark.parametrize(
        "written",
        ["阿依古丽•吐尔逊", "李　华", "Ｍａｒｙ Ｓｍｉｔｈ", "阿依古丽 . 吐尔逊", "买买提·.艾力"],
    )
    def test_normalising_twice_changes_nothing(self, written):
        once = normalize_name(written)
        assert normalize_name(once) == once


class TestNormalizeIdNumberAndPhone:
    def test_full_width_digits_and_x_fold_to_ascii(self):
        assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
        assert validate_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"

    def test_zero_width_characters_and_every_kind_of_space_are_removed(self):
        written = "\ufeff110105\u200b1949\u30001231\u00a0002 x\u200b"
        assert normalize_id_number(written) == "11010519491231002X"

    @pytest.mark.parametrize(
        "written",
        [
            "１３８０５３１２０２５",
            "138-0531-2025",
            "138 0531 2025",
            "138–0531–2025",
            "１３８－０５３１－２０２５",
            "+86 138 0531 2025",
            "0086-13805312025",
            "\u200b13805312025\ufeff",
        ],
    )
    def test_a_phone_as_people_write_it(self, written):
        assert normalize_phone(written) == "13805312025"

    def test_a_landline_keeps_its_digits(self):
        assert normalize_phone("(0531) 8612-3456") == "053186123456"


@pytest.mark.django_db
class TestUserStoresNormalForms:
    """Whatever path saves a user, what is stored is the normal form."""

    def test_create_user_stores_normal_forms(self):
        user = User.objects.create_user(
            "１１０１０５１９４９１２３１００２ｘ",
            "pw-2025-long",
            real_name="阿依古丽•吐尔逊",
            phone="１３８-０５３１-２０２５",
        )
        stored = User.objects.values("id_number", "real_name", "phone").get(pk=user.pk)
        assert stored == {
            "id_number": "11010519491231002X",
            "real_name": "阿依古丽·吐尔逊",
            "phone": "13805312025",
        }

    def test_a_save_of_one_field_stores_the_normal_form(self, alice):
        alice.real_name = "李　华"
        alice.save(update_fields=["real_name"])
        assert User.objects.values_list("real_name", flat=True).get(pk=alice.pk) == "李华"

    def test_bulk_create_stores_the_normal_form(self):
        User.objects.bulk_create(
            [User(id_number=id_number_for(7), real_name="李\u200b华", phone="+8613805312025")]
        )
        assert User.objects.values_list("real_name", "phone").get() == ("李华", "13805312025")

    def test_an_empty_phone_is_stored_as_null(self, alice, bob):
        for person in (alice, bob):
            person.phone = " "
            person.save()
        assert User.objects.filter(pk__in=[alice.pk, bob.pk], phone__isnull=True).count() == 2
