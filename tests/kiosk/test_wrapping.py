"""Lines on the kiosk break between words: a word with ruby is never split across lines, and
no line holds a single character alone, in Japanese and やさしい日本語, at 200 % zoom with
文字を大きく (the narrowest the words get)."""

from __future__ import annotations

import pytest

from tests.kiosk.kiosk_page import KioskPage

# Every character of the page's visible words (not the readings above them), with the line
# it sits on: lines are told apart by their baselines, more than a third of a line apart.
LONELY = """(selector) => {
  const lonely = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.getClientRects().length) continue;
    const found = [];
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      if (node.parentElement.closest("rt")) continue;
      for (let i = 0; i < node.data.length; i += 1) {
        if (/\\s/.test(node.data[i])) continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        if (box.height) found.push([box.bottom, box.height, node.data[i]]);
      }
    }
    found.sort((a, b) => a[0] - b[0]);
    const lines = [];
    for (const [bottom, height, ch] of found) {
      const line = lines[lines.length - 1];
      if (line && bottom - line.bottom < height / 3) line.text += ch;
      else lines.push({bottom: bottom, text: ch});
    }
    for (const line of lines) if ([...line.text].length === 1 && lines.length > 1) {
      lonely.push(el.textContent.trim() + " -> " + line.text);
    }
  }
  return lonely;
}"""
SPLIT_WORDS = """() => [...document.querySelectorAll(".word")].filter(word => {
  const bottoms = [];
  const walk = document.createTreeWalker(word, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    if (node.parentElement.closest("rt")) continue;
    for (let i = 0; i < node.data.length; i += 1) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (box.height) bottoms.push([box.bottom, box.height]);
    }
  }
  return bottoms.some(([bottom, height]) => Math.abs(bottom - bottoms[0][0]) > height / 3);
}).map(word => word.textContent)"""
WORDS = ".purpose .label, .purpose .desc, h1, .lead, .chosen .label, .toggle .label, .toggle .desc"


@pytest.mark.parametrize("language", ["ja", "ja-easy"])
def test_no_word_is_split_and_no_character_is_left_alone_on_a_line(
    kiosk: KioskPage, language: str
) -> None:
    kiosk.page.set_viewport_size({"width": 540, "height": 960})
    kiosk.open()
    kiosk.wait_for("start")
    if language != "ja":
        kiosk.language(language)
    kiosk.page.locator("#larger").click()
    assert kiosk.page.evaluate(LONELY, WORDS) == []
    assert kiosk.page.evaluate(SPLIT_WORDS) == []
    kiosk.choose("welfare")
    assert kiosk.page.evaluate(LONELY, WORDS) == []
    assert kiosk.page.evaluate(SPLIT_WORDS) == []
