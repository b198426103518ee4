// Kechuang pages: the small behaviours that would otherwise be inline handlers, which the
// Content-Security-Policy (script-src 'self') does not run. Delegated from the document, so they
// also work on content that htmx swaps in.
(function () {
  // <select data-autosubmit>: choosing a value submits its form (year pickers, policy pickers).
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
})();

// <form data-keep-draft="KEY">: what is typed is kept in this browser (localStorage, under the
// signed-in user's KEY) until the server confirms the save, so a closed tab, a crash or a refused
// save loses nothing; reopening the page restores it under a notice with a button to discard it,
// and leaving with unsaved typing asks first. A submitted copy is dropped when the page the save
// leads to says it was done (`?done=`). The hidden revision is kept with the fields: text typed on
// an older revision, once restored, is refused on save with the name of whoever saved in between,
// so concurrent edits stay detected.
(function () {
  var PREFIX = "kc-draft:";
  var dirty = false;

  function store() {
    try { return window.localStorage; } catch (err) { return null; }
  }

  function kept(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "submit" || el.type === "button" || el.type === "file") return;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) return;
      (values[el.name] = values[el.name] || []).push(el.value);
    });
    return values;
  }

  function restore(form, values) {
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in values) || el.name === "csrf_token" || el.type === "file") return;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values[el.name].indexOf(el.value) >= 0;
      } else if (el.type !== "submit" && el.type !== "button") {
        var i = seen[el.name] || 0;
        if (i < values[el.name].length) el.value = values[el.name][i];
        seen[el.name] = i + 1;
      }
    });
  }

  function notice(form, key) {
    var p = document.createElement("p");
    p.className = "notice draft-restored";
    p.textContent = form.getAttribute("data-restored-text") || "";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.textContent = form.getAttribute("data-discard-text") || "";
    discard.addEventListener("click", function () {
      var s = store();
      if (s) s.removeItem(PREFIX + key);
      window.location.reload();
    });
    p.appendChild(document.createTextNode(" "));
    p.appendChild(discard);
    form.insertBefore(p, form.firstChild);
  }

  function typed(e) {
    var form = e.target && e.target.form;
    var key = form && form.getAttribute("data-keep-draft");
    var s = store();
    if (!key || !s) return;
    dirty = true;
    try { s.setItem(PREFIX + key, JSON.stringify({ submitted: false, values: kept(form) })); } catch (err) { /* full: keep typing */ }
  }

  document.addEventListener("input", typed);
  document.addEventListener("change", typed);
  document.addEventListener("submit", function (e) {
    var key = e.target.getAttribute && e.target.getAttribute("data-keep-draft");
    var s = store();
    if (!key || !s) return;
    dirty = false;
    try { s.setItem(PREFIX + key, JSON.stringify({ submitted: true, values: kept(e.target) })); } catch (err) { /* full */ }
  });
  window.addEventListener("beforeunload", function (e) {
    if (dirty) { e.preventDefault(); e.returnValue = ""; }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var s = store();
    if (!s) return;
    if (/[?&]done=/.test(window.location.search)) {  // a save went through: its copy is done with
      Object.keys(s).forEach(function (k) {
        if (k.indexOf(PREFIX) !== 0) return;
        try { if (JSON.parse(s.getItem(k)).submitted) s.removeItem(k); } catch (err) { s.removeItem(k); }
      });
    }
    document.querySelectorAll("form[data-keep-draft]").forEach(function (form) {
      var key = form.getAttribute("data-keep-draft");
      var raw = s.getItem(PREFIX + key);
      if (!raw) return;
      try { restore(form, JSON.parse(raw).values); } catch (err) { s.removeItem(PREFIX + key); return; }
      notice(form, key);
    });
  });
})();
