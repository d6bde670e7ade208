/*
 * Reading aids on the pathway pages (progressive enhancement; the pages work without it).
 *
 * - A link to a part of a service the reader has folded opens that service again. Chromium does
 *   this itself for a fragment inside a closed <details>; this covers the other browsers, and
 *   a page opened with the fragment already in its address.
 * - Printing the page prints every service, folded or not, and folds them back afterwards.
 * - The print view's "Print" button (hidden without this script) opens the print dialogue.
 *
 * No dependencies, ES2017, nothing inline, no eval (the site's CSP).
 */
(function () {
  "use strict";

  function openAround(id) {
    var target = id ? document.getElementById(id) : null;
    if (!target) {
      return;
    }
    var opened = false;
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) {
        node.open = true;
        opened = true;
      }
    }
    if (opened) {
      target.scrollIntoView();
    }
  }

  function fragment() {
    try {
      return decodeURIComponent(window.location.hash.slice(1));
    } catch (error) {
      return "";
    }
  }

  // Before the browser follows an in-page link, so that it scrolls to a visible target.
  document.addEventListener(
    "click",
    function (event) {
      var link = event.target instanceof Element ? event.target.closest('a[href^="#"]') : null;
      if (link) {
        openAround(link.getAttribute("href").slice(1));
      }
    },
    true
  );
  window.addEventListener("hashchange", function () {
    openAround(fragment());
  });
  openAround(fragment());

  var foldedForPrint = [];
  window.addEventListener("beforeprint", function () {
    foldedForPrint = Array.prototype.filter.call(document.querySelectorAll("details"), function (details) {
      return !details.open;
    });
    foldedForPrint.forEach(function (details) {
      details.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    foldedForPrint.forEach(function (details) {
      details.open = false;
    });
    foldedForPrint = [];
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
