// Search in the browser over the language's index: diacritic-insensitive ("lodz" finds Łódź),
// no request to any other host.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) return;
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var results = document.getElementById("search-results");
  var strings = {};
  var template = document.getElementById("search-strings");
  if (template && template.content) {
    Array.prototype.forEach.call(template.content.querySelectorAll("[data-key]"), function (span) { strings[span.getAttribute("data-key")] = span.textContent; });
  }
  var lang = document.documentElement.lang || "en";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var numbers = window.Intl && Intl.NumberFormat ? new Intl.NumberFormat(lang) : null;
  var special = { "ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "þ": "th", "ð": "d", "ı": "i", "ħ": "h", "ŀ": "l", "ŧ": "t" };
  // The same folding as the generator's: lower case, diacritics removed, punctuation as spaces.
  function fold(text) {
    var lower = text.toLowerCase();
    var out = "";
    for (var i = 0; i < lower.length; i++) {
      var c = lower[i];
      if (special[c]) { out += special[c]; continue; }
      var base = c.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
      if (/^[a-z0-9]+$/.test(base)) out += base;
      else if (/[\s\p{P}\p{S}]/u.test(c)) out += " ";
      else out += c;
    }
    return out;
  }
  var index = null;
  function load() {
    if (index) return Promise.resolve(index);
    return fetch(form.getAttribute("data-index"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) { index = data; return data; });
  }
  function countText(n) {
    var form = (plural && strings[plural.select(n)]) || strings.other || "{count}";
    return form.replace("{count}", numbers ? numbers.format(n) : String(n));
  }
  var generation = 0;
  function run(query) {
    var terms = fold(query).split(/\s+/).filter(Boolean);
    var mine = ++generation;
    if (!terms.length) { results.textContent = ""; status.textContent = ""; return; }
    load().then(function (entries) {
      if (mine !== generation) return;  // a newer search started meanwhile
      results.textContent = "";
      var found = [];
      entries.forEach(function (entry) {
        var title = fold(entry.t);
        var score = 0;
        for (var i = 0; i < terms.length; i++) {
          var term = terms[i];
          if (entry.f.indexOf(term) < 0) return;
          score += title.indexOf(term) >= 0 ? 10 : 1;
          if ((" " + title + " ").indexOf(" " + term) >= 0) score += 5;
        }
        found.push({ entry: entry, score: score });
      });
      found.sort(function (a, b) { return b.score - a.score || a.entry.t.localeCompare(b.entry.t, lang); });
      found.slice(0, 50).forEach(function (hit) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = hit.entry.u;
        a.textContent = hit.entry.t;
        li.appendChild(a);
        if (hit.entry.k) {
          var kind = document.createElement("span");
          kind.className = "kind";
          kind.textContent = hit.entry.k;
          li.appendChild(kind);
        }
        if (hit.entry.s) {
          var p = document.createElement("p");
          p.textContent = hit.entry.s;
          li.appendChild(p);
        }
        results.appendChild(li);
      });
      status.textContent = found.length ? countText(found.length) : (strings.none || "");
    }).catch(function () { status.textContent = strings.none || ""; });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    var query = input.value;
    history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
    run(query);
  });
  var timer = null;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { run(input.value); }, 150); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; run(initial); }
})();
