// City directory filter: works in the browser alone, with no network access.
(function () {
  "use strict";
  var form = document.getElementById("city-filter");
  var list = document.getElementById("city-list");
  if (!form || !list) return;
  var items = Array.prototype.slice.call(list.querySelectorAll(".city-item"));
  var dots = {};
  Array.prototype.forEach.call(document.querySelectorAll(".map-dot"), function (dot) { dots[dot.getAttribute("data-city")] = dot; });
  var status = document.getElementById("filter-status");
  var forms = {};
  var template = document.getElementById("city-count-forms");
  if (template && template.content) {
    Array.prototype.forEach.call(template.content.querySelectorAll("[data-key]"), function (span) { forms[span.getAttribute("data-key")] = span.textContent; });
  }
  var lang = document.documentElement.lang || "en";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var numbers = window.Intl && Intl.NumberFormat ? new Intl.NumberFormat(lang) : null;
  function countText(n) {
    var form = (plural && forms[plural.select(n)]) || forms.other || "{count}";
    return form.replace("{count}", numbers ? numbers.format(n) : String(n));
  }
  function value(name) {
    var field = form.elements[name];
    if (!field) return "";
    if (field.type === "checkbox") return field.checked ? field.value : "";
    return field.value;
  }
  function apply() {
    var country = value("country"), sector = value("sector"), label = value("label"), pilot = value("pilot");
    var shown = 0;
    items.forEach(function (item) {
      var ok = true;
      if (country && item.getAttribute("data-country") !== country) ok = false;
      if (ok && sector && (" " + item.getAttribute("data-sectors") + " ").indexOf(" " + sector + " ") < 0) ok = false;
      var itemLabel = item.getAttribute("data-label");
      if (ok && label === "yes" && !itemLabel) ok = false;
      if (ok && label === "no" && itemLabel) ok = false;
      if (ok && label && label !== "yes" && label !== "no" && itemLabel !== label) ok = false;
      if (ok && pilot && item.getAttribute("data-pilot") !== "yes") ok = false;
      item.hidden = !ok;
      var dot = dots[item.getAttribute("data-id")];
      if (dot) { if (ok) dot.removeAttribute("hidden"); else dot.setAttribute("hidden", ""); }
      if (ok) shown += 1;
    });
    status.textContent = countText(shown);
    var params = new URLSearchParams();
    ["country", "sector", "label", "pilot"].forEach(function (name) { if (value(name)) params.set(name, value(name)); });
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }
  var initial = new URLSearchParams(location.search);
  ["country", "sector", "label", "pilot"].forEach(function (name) {
    var field = form.elements[name];
    if (!field || !initial.has(name)) return;
    if (field.type === "checkbox") field.checked = initial.get(name) === field.value; else field.value = initial.get(name);
  });
  form.hidden = false;
  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  apply();
})();
