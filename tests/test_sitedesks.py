"""A desk's two names in the site file: the staff's name and the visitors' words per language,
the old form still read (and named), the two never mixed; one lookup for every surface."""

from __future__ import annotations

import pytest

from server.desk_words import plain, route_text, ruby_words, visitor_languages, visitor_words
from server.siteconfig import ConfigError, default_sites_path, load_sites, parse_sites
from tests.test_siteconfig import BASE, line_of

NEW_FORM = BASE.replace(
    '''[services.jobs]
name = "職業相談・職業紹介"
organisation = "hellowork"
numbers = [1, 199]
''',
    '''[services.jobs]
staff_name = "職業相談・職業紹介"
organisation = "hellowork"
numbers = [1, 199]

[services.jobs.visitor]
ja = { label = "仕事の相談・紹介", description = "仕事探しの相談" }
ja-easy = { label = "{仕事|しごと}の {相談|そうだん}" }
vi = { label = "Tư vấn việc làm", description = "Tư vấn tìm việc" }
''',
)


def jobs(text: str = NEW_FORM):  # type: ignore[no-untyped-def]
    config = parse_sites(text, "site.toml")
    return config, config.sites[0].service("jobs")


def test_a_desk_has_a_staff_name_and_the_visitors_words_per_language() -> None:
    config, desk = jobs()
    assert desk.name == "職業相談・職業紹介"  # consoles and reports
    assert desk.visitor("ja") == ("仕事の相談・紹介", "仕事探しの相談")
    assert desk.visitor("vi") == ("Tư vấn việc làm", "Tư vấn tìm việc")
    assert desk.visitor("ja-easy")[0] == "{仕事|しごと}の {相談|そうだん}"
    # a language the desk has no words for says the visitors' Japanese, never the staff name
    assert desk.visitor("ko")[0] == desk.visitor("zh-Hant")[0] == "仕事の相談・紹介"
    assert desk.public_label == "仕事の相談・紹介"  # what the displays say
    assert desk.description == "仕事探しの相談"
    # the desk is in the current form: nothing said of it (BASE's welfare is still old)
    assert [n.split(": ")[1].split()[0] for n in config.notices] == ["services.welfare"]
    # the one lookup answers every language the kiosk offers
    words = visitor_words(desk)
    assert set(words) == set(visitor_languages()) >= {"ja", "ja-easy", "en", "zh", "ko", "vi"}
    assert words["en"] == {"label": "仕事の相談・紹介", "description": "仕事探しの相談"}


def test_a_sensitive_desk_keeps_its_public_name_for_the_room_only() -> None:
    config = load_sites(default_sites_path())
    welfare = config.sites[0].service("welfare")
    assert welfare is not None and welfare.sensitive
    assert welfare.public_label == "相談窓口"  # displays, the spoken call
    assert welfare.name == "生活・福祉の相談"  # staff
    assert welfare.visitor("ja")[0] == "暮らし・お金の相談"  # the kiosk's button, the ticket
    assert welfare.visitor("vi")[0] == "Tư vấn đời sống, phúc lợi"


def test_the_old_form_is_still_read_and_named_with_its_line() -> None:
    config, desk = jobs(BASE)
    assert desk.name == desk.public_label == desk.visitor("vi")[0] == "職業相談・職業紹介"
    assert len(config.notices) == 2  # both desks of BASE
    notice = config.notices[0]
    assert notice.startswith(f"site.toml:{line_of(BASE, '[services.jobs]')}: services.jobs")
    assert "old form" in notice and "staff_name" in notice and "visitor.ja" in notice
    # old translations still count as the visitors' words in their language
    with_words = BASE.replace(
        'numbers = [1, 199]\n',
        'numbers = [1, 199]\ntranslations.en = { label = "Jobs" }\n', 1)
    _, desk = jobs(with_words)
    assert desk.visitor("en")[0] == "Jobs" and desk.visitor("ja")[0] == "職業相談・職業紹介"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('staff_name = "職業相談・職業紹介"', 'staff_name = "職業相談・職業紹介"\nname = "x"'),
         "'name' belongs to the old form of a desk"),
        (('ja = { label = "仕事の相談・紹介", description = "仕事探しの相談" }\n', ""),
         "missing the visitors' Japanese words"),
        (("{仕事|しごと}の", "{仕事|しごと の"), "a brace is left unpaired"),
        (("vi = {", "Vietnamese = {"), "is not a language code"),
        (('ja = { label = "仕事の相談・紹介",', 'ja = { lable = "仕事の相談・紹介",'),
         "unknown key (did you mean 'label'?)"),
    ],
)
def test_a_desk_written_wrong_is_refused_at_its_line(change: tuple[str, str],
                                                     message: str) -> None:
    text = NEW_FORM.replace(*change, 1)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?")) as refused:
        parse_sites(text, "site.toml")
    assert refused.value.line is not None


def test_ruby_is_taken_apart_by_words_for_the_surfaces() -> None:
    text = "{働|はたら}き{方|かた}の {相談|そうだん}"
    assert plain(text) == "働き方の 相談"
    assert ruby_words(text) == [
        [("働", "はたら"), ("き", ""), ("方", "かた"), ("の", "")],
        [("相談", "そうだん")],
    ]
    config = load_sites(default_sites_path())
    site = config.sites[0]
    two = [site.service("career"), site.service("job_referral")]
    three = [*two, site.service("welfare")]
    assert route_text(two, "ja") == "キャリア相談 → 仕事の相談・紹介"  # type: ignore[arg-type]
    assert route_text(two, "ja-easy") == "働き方の 相談 → 仕事の 相談"  # type: ignore[arg-type]
    assert route_text(three, "en", "{desk} and more") == \
        "Career counselling and more"  # type: ignore[arg-type]
