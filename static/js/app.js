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
