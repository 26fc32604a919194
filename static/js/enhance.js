// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Search as you type: fetch the server-rendered results fragment for the search box's query,
  // debounced, cancelling any stale request. Without JS the form submits normally.
  var form = document.querySelector("form[data-live-search]");
  var results = document.getElementById("search-results");
  if (form && results && window.fetch && window.AbortController) {
    var input = form.querySelector("input[name=q]");
    var timer = null;
    var inflight = null;
    var onListPage = window.location.pathname === form.getAttribute("action");
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (inflight) inflight.abort();
        if (!q) { if (!onListPage) results.innerHTML = ""; return; }
        inflight = new AbortController();
        var url = form.getAttribute("data-fragment-url") + "?q=" + encodeURIComponent(q);
        fetch(url, { signal: inflight.signal })
          .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
          .then(function (html) {
            results.innerHTML = html;
            // Keep the query in the URL so the page can be shared or reloaded.
            if (onListPage) window.history.replaceState(null, "", "?q=" + encodeURIComponent(q));
          })
          .catch(function () { /* aborted or offline: submitting the form still works */ });
      }, 250);
    });
  }

  // Units calculator: "More rows" adds an empty row in place instead of reloading the page.
  var addRow = document.querySelector("[data-add-row]");
  var rows = document.querySelector(".unit-rows");
  if (addRow && rows) {
    addRow.addEventListener("click", function (event) {
      var max = parseInt(rows.getAttribute("data-max-rows"), 10);
      var count = rows.children.length;
      if (count >= max) return;
      event.preventDefault();
      var template = rows.lastElementChild;
      var row = template.cloneNode(true);
      var n = count + 1;
      row.classList.remove("has-error");
      row.querySelectorAll(".errorlist").forEach(function (el) { el.remove(); });
      row.querySelectorAll("input").forEach(function (el) {
        el.value = "";
        el.removeAttribute("aria-invalid");
        el.removeAttribute("aria-describedby");
        el.id = el.name + "-" + n;
      });
      row.querySelectorAll("label").forEach(function (el) {
        var name = el.getAttribute("for").split("-")[0];
        el.setAttribute("for", name + "-" + n);
        var hidden = el.querySelector(".visually-hidden");
        if (hidden) hidden.textContent = "row " + n;
      });
      rows.appendChild(row);
      row.querySelector("input").focus();
      if (n >= max) addRow.hidden = true;
    });
  }
})();
