// Load the pinned local copy of htmx when the CDN is unreachable (offline, tests, blocked CDN).
// document.write from a synchronous external script keeps the load order, so htmx is ready
// before the page is parsed, exactly as with the CDN copy.
(function () {
  if (window.htmx) return;
  var me = document.currentScript;
  document.write('<script src="' + me.getAttribute("data-src") + '"><\/script>');
})();
