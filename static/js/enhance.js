// Progressive enhancement only: every page works without this file.
// Search as you type: fetch the server-rendered results fragment for the search box's query.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-search]");
  var results = document.getElementById("search-results");
  if (!form || !results || !window.fetch || !window.AbortController) return;
  var input = form.querySelector("input[name=q]");
  var timer = null;
  var inflight = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (inflight) inflight.abort();  // cancel the stale request
      if (!q) { results.innerHTML = ""; return; }
      inflight = new AbortController();
      var url = form.getAttribute("data-fragment-url") + "?q=" + encodeURIComponent(q);
      fetch(url, { signal: inflight.signal, headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { results.innerHTML = html; })
        .catch(function () { /* aborted or offline: the form still submits normally */ });
    }, 200);
  });
})();
