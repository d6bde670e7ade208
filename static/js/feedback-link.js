/*
 * Feedback links that carry the selected text.
 *
 * When a reader has selected text inside a section and then follows that section's
 * "Report an error or suggest a change" link, the text goes along as `sitat` in the link's
 * URL, and the feedback form shows it in its quote field.
 *
 * Progressive enhancement: without this script (or without a selection) the links work as
 * they are in the HTML. No dependencies, ES2017, nothing inline, no eval (the site's CSP).
 */
(function () {
  "use strict";

  var LINK = ".feedback-link a";
  var MAX_CHARACTERS = 500;
  var originalHref = new WeakMap();
  // The text selected when the pointer went down on a link: pressing the button on a link
  // may clear the selection before the click arrives.
  var pressed = null;

  function feedbackLink(target) {
    return target instanceof Element ? target.closest(LINK) : null;
  }

  /* The selected text, trimmed and cut to MAX_CHARACTERS, when all of the selection lies
   * inside the link's section; otherwise "". */
  function selectedText(link) {
    var section = link.closest("section");
    var selection = window.getSelection ? window.getSelection() : null;
    if (!section || !selection || selection.isCollapsed || selection.rangeCount === 0) {
      return "";
    }
    for (var i = 0; i < selection.rangeCount; i += 1) {
      if (!section.contains(selection.getRangeAt(i).commonAncestorContainer)) {
        return "";
      }
    }
    // Count characters, not UTF-16 units, so that a cut never splits a surrogate pair
    // (which the form would refuse as unreadable text).
    var characters = Array.from(selection.toString().trim());
    return characters.slice(0, MAX_CHARACTERS).join("").trim();
  }

  /* Sets (or, with no text, takes away) the quote in the link's URL. */
  function setQuote(link, text) {
    if (!originalHref.has(link)) {
      if (!text) {
        return; // never changed: leave the link exactly as the page gave it
      }
      originalHref.set(link, link.getAttribute("href"));
    }
    var original = originalHref.get(link);
    if (!text) {
      link.setAttribute("href", original);
      return;
    }
    try {
      var url = new URL(original, document.baseURI);
      url.searchParams.set("sitat", text);
      link.href = url.toString();
    } catch (error) {
      link.setAttribute("href", original); // an unreadable URL: follow the link as it is
    }
  }

  // Capture phase: runs before the press moves or clears the selection, and for every button
  // (a middle click or "open in new tab" follows the updated link too).
  document.addEventListener(
    "pointerdown",
    function (event) {
      var link = feedbackLink(event.target);
      pressed = link ? { link: link, text: selectedText(link) } : null;
      if (link) {
        setQuote(link, pressed.text);
      }
    },
    true
  );

  // A click with the pointer, or Enter on a focused link (event.detail is 0 for that).
  // The navigation that follows uses the href as it is when the handlers are done.
  document.addEventListener(
    "click",
    function (event) {
      var link = feedbackLink(event.target);
      if (!link) {
        return;
      }
      var text = selectedText(link);
      if (!text && event.detail > 0 && pressed && pressed.link === link) {
        text = pressed.text;
      }
      pressed = null;
      setQuote(link, text);
    },
    true
  );
})();
