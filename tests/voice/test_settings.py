"""The voice settings: where the audio is kept, and which languages a call is spoken in."""

from __future__ import annotations

import pytest

from server.settings import SettingsError, load_settings


def test_calls_are_spoken_in_japanese_and_kept_in_voice_cache_by_default() -> None:
    settings = load_settings(env={})
    assert (settings.voice_languages, settings.voice_cache_dir) == ("ja", "voice-cache")


def test_english_may_follow_japanese() -> None:
    settings = load_settings(env={"MADOGUCHI_VOICE_LANGUAGES": " ja , en "})
    assert settings.voice_languages == "ja,en"


@pytest.mark.parametrize("value", ["en", "en,ja", "ja,ja", "ja,fr", ""])
def test_other_language_lists_are_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="voice_languages"):
        load_settings(env={}, overrides={"voice_languages": value})


def test_the_cache_folder_must_be_named() -> None:
    with pytest.raises(SettingsError, match="voice_cache_dir"):
        load_settings(env={}, overrides={"voice_cache_dir": " "})
