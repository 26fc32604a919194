// cptref admin: accessibility fixes for markup rendered by the select2 4.0.13 that Django's admin vendors for
// autocomplete fields. Loaded on every admin page by templates/admin/base_site.html.
//  1. select2's search <input> has no accessible name: name it after the label of the <select> it stands for.
//  2. select2's "remove all" × is a mouse-only <span> placed directly inside the <ul> of chosen items (an invalid
//     list for screen readers): hide it from assistive technology. Keyboard users remove items with Backspace.
(function () {
  "use strict";

  function labelText(select) {
    var label = select && select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    var text = label ? label.textContent : select ? select.getAttribute("aria-label") || select.name : "";
    return (text || "").replace(/\s+/g, " ").replace(/[\s:]+$/, "").trim();
  }

  function fix() {
    document.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (input) {
      var container = input.closest(".select2-container");
      var select = container ? container.previousElementSibling : null;
      var name = select && select.tagName === "SELECT" ? labelText(select) : "";
      input.setAttribute("aria-label", name ? name + ": type to search" : "Type to search");
    });
    document.querySelectorAll(".select2-selection__clear:not([aria-hidden])").forEach(function (el) {
      el.setAttribute("aria-hidden", "true");
    });
  }

  new MutationObserver(fix).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", fix);
})();
