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
