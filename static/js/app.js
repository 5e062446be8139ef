// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:responseError", function (evt) {
  var box = document.getElementById("htmx-error");
  if (!box) {
    box = document.createElement("div");
    box.id = "htmx-error";
    box.className = "flash flash-error";
    box.setAttribute("role", "alert");
    document.getElementById("main").prepend(box);
  }
  var status = evt.detail.xhr.status;
  box.textContent = status === 400
    ? "The form expired or was sent from elsewhere. Reload the page and try again."
    : status === 409 ? (evt.detail.xhr.responseText || "This changed meanwhile; reload the page.")
    : "Something went wrong (" + status + "). Nothing was changed; please try again.";
});

// A refused inline edit (409) answers with the refreshed row and its message: swap it in place of
// showing a generic error, for elements that opt in with data-conflict-swap.
document.addEventListener("htmx:beforeSwap", function (evt) {
  if (evt.detail.xhr.status === 409 && evt.detail.target && evt.detail.target.hasAttribute("data-conflict-swap")) {
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  }
});

// Billing forms: in Bucharest the sector takes the city's place (e-Factura); elsewhere the sector is hidden.
function syncSector(select) {
  var scope = select.closest("form") || document;
  var bucharest = select.value === "RO-B";
  scope.querySelectorAll(".field-sector").forEach(function (el) { el.hidden = !bucharest; });
  scope.querySelectorAll(".field-city").forEach(function (el) { el.hidden = bucharest; });
}
function syncSectors(root) {
  if (root && root.querySelectorAll) { root.querySelectorAll(".county-select").forEach(syncSector); }
  if (root && root.matches && root.matches(".county-select")) { syncSector(root); }
}
document.addEventListener("change", function (evt) {
  if (evt.target.matches && evt.target.matches(".county-select")) { syncSector(evt.target); }
});
document.addEventListener("DOMContentLoaded", function () { syncSectors(document); });
document.addEventListener("htmx:load", function (evt) { syncSectors(evt.detail.elt); });

// My Invoices: "Pay selected" is disabled until a proforma is ticked (without JavaScript the server says so).
function syncPaySelected(root) {
  var doc = root && root.ownerDocument ? root.ownerDocument : document;
  doc.querySelectorAll("button.pay-selected").forEach(function (button) {
    button.disabled = !doc.querySelector("input.pay-select:checked");
  });
}
document.addEventListener("change", function (evt) {
  if (evt.target.matches && evt.target.matches("input.pay-select")) { syncPaySelected(document); }
});
document.addEventListener("DOMContentLoaded", function () { syncPaySelected(document); });
document.addEventListener("htmx:load", function () { syncPaySelected(document); });

// Recovery codes: the Copy button (hidden without this file) puts the codes on the clipboard.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  });
});

// The order page: with htmx the summary follows every change, so "Show the price" (the no-JavaScript way) hides.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.htmx) return;
  document.querySelectorAll("[data-without-htmx]").forEach(function (el) { el.hidden = true; });
});
