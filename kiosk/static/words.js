/* Words on the kiosk's screens: placeholders, ruby markup and small DOM helpers.
 *
 * Language files write a reading over kanji as {漢字|かんじ} and a value as {n}. `put` turns
 * ruby markup into <ruby> elements and inserts everything else as text, never as HTML.
 */
(function (global) {
  "use strict";

  const RUBY = /\{([^{}|]+)\|([^{}|]*)\}/g;  // {漢字|かんじ}
  const VAR = /\{(\w+)\}/g;                  // {n}
  const SVG_NS = "http://www.w3.org/2000/svg";

  function fill(template, vars) {
    return vars ? template.replace(VAR, function (m, name) {
      return name in vars ? String(vars[name]) : m;
    }) : template;
  }

  function plain(s) { return s.replace(RUBY, "$1"); }

  // One run of text with ruby markup, appended to `el`.
  function putRuby(el, s) {
    let last = 0;
    let m;
    RUBY.lastIndex = 0;
    while ((m = RUBY.exec(s)) !== null) {
      if (m.index > last) el.append(s.slice(last, m.index));
      if (m[2]) {
        const ruby = document.createElement("ruby");
        const rt = document.createElement("rt");
        rt.textContent = m[2];
        ruby.append(m[1], rt);
        el.append(ruby);
      } else {
        el.append(m[1]);
      }
      last = RUBY.lastIndex;
    }
    el.append(s.slice(last));
  }

  // Text with ruby is written with spaces between words (分かち書き): each word is kept
  // whole on one line (.word: no break inside), so a line never breaks between a kanji and
  // its kana, and a line breaks only where a space is.
  function put(el, s) {
    el.textContent = "";
    RUBY.lastIndex = 0;
    if (!RUBY.test(s)) {
      el.append(s);
      return;
    }
    s.split(/([ \u3000]+)/).forEach(function (part, index) {
      if (!part) return;
      if (index % 2) {
        el.append(part);
        return;
      }
      const word = document.createElement("span");
      word.className = "word";
      putRuby(word, part);
      el.append(word);
    });
  }

  function make(tag, cls) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    return el;
  }

  // One of our own icons from the page's sprite (templates/kiosk/icons.svg).
  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    const use = document.createElementNS(SVG_NS, "use");
    use.setAttribute("href", "#i-" + name);
    svg.append(use);
    return svg;
  }

  global.KioskWords = { fill: fill, plain: plain, put: put, make: make, icon: icon };
})(window);
