// The golden-case table of the policy workbench (form[data-golden-table]): rows are facts,
// columns are years; add or remove rows and years, and on submit the filled cells become the
// add-case step's `facts` field as {"YEAR": {"fact": "cell"}} (the server validates them as the
// panel importer does). With no filled cell the field is left as typed (JSON or empty, when the
// case takes a stored enterprise's facts).
(function () {
  function table(form) { return form.querySelector("#golden-table"); }

  function addRow(form) {
    var body = table(form).tBodies[0];
    var last = body.rows[body.rows.length - 1];
    var row = last.cloneNode(true);
    row.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    body.appendChild(row);
  }

  function addYear(form) {
    var t = table(form);
    var heads = t.tHead.rows[0];
    var years = heads.querySelectorAll(".golden-year");
    var last = years[years.length - 1];
    var th = last.parentNode.cloneNode(true);
    th.querySelector("input").value = String((parseInt(last.value, 10) || 2024) + 1);
    heads.insertBefore(th, heads.cells[heads.cells.length - 1]);
    Array.prototype.forEach.call(t.tBodies[0].rows, function (row) {
      var td = document.createElement("td");
      td.innerHTML = '<input class="golden-cell" size="12">';
      row.insertBefore(td, row.cells[row.cells.length - 1]);
    });
  }

  function removeYear(form) {
    var t = table(form);
    var heads = t.tHead.rows[0];
    if (heads.querySelectorAll(".golden-year").length < 2) return;
    var at = heads.cells.length - 2;
    heads.deleteCell(at);
    Array.prototype.forEach.call(t.tBodies[0].rows, function (row) { row.deleteCell(at); });
  }

  function facts(form) {
    var t = table(form);
    var years = Array.prototype.map.call(t.querySelectorAll(".golden-year"), function (i) {
      return i.value.trim();
    });
    var out = {};
    var filled = false;
    Array.prototype.forEach.call(t.tBodies[0].rows, function (row) {
      var fact = row.querySelector(".golden-fact").value;
      row.querySelectorAll(".golden-cell").forEach(function (cell, i) {
        var text = cell.value.trim();
        if (!text) return;
        out[years[i]] = out[years[i]] || {};
        out[years[i]][fact] = text;
        filled = true;
      });
    });
    return filled ? out : null;
  }

  document.addEventListener("click", function (e) {
    var el = e.target;
    var form = el.closest && el.closest("form[data-golden-table]");
    if (!form) return;
    if (el.hasAttribute("data-golden-add-row")) addRow(form);
    else if (el.hasAttribute("data-golden-add-year")) addYear(form);
    else if (el.hasAttribute("data-golden-remove-year")) removeYear(form);
    else if (el.hasAttribute("data-golden-remove-row")) {
      var row = el.closest("tr");
      if (row.parentNode.rows.length > 1) row.remove();
    }
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-golden-table]")) return;
    var found = facts(form);
    if (found) form.querySelector('textarea[name="facts"]').value = JSON.stringify(found);
  });
})();
