/* Lantai public pages: progressive enhancement only; every page works without it.
 *
 * 1. Search suggestions: the ARIA 1.2 combobox pattern (list autocomplete) on every
 *    input[data-suggest]. Titles come from /api/v1/suggest, which answers from records
 *    the public may see. Arrow keys move, Enter picks and searches, Escape closes
 *    (a second Escape clears the box), Tab leaves.
 * 2. Copy buttons: button[data-copy-target] copies the text (or value) of that element.
 */
(function () {
  "use strict";

  var DELAY = 150; // ms after the last keystroke before asking for suggestions

  function setupCombobox(input) {
    var url = input.getAttribute("data-suggest");
    if (!url || !window.fetch || !input.id) { return; }
    var form = input.form;
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var items = [];
    var active = -1;
    var timer = null;
    var pending = null;
    var lastQuery = null;

    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.getAttribute("data-suggest-label") || "");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.parentNode.appendChild(list);
    input.parentNode.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    function optionId(i) { return listId + "-" + i; }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!items.length) { close(); return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(i) {
      var options = list.children;
      for (var k = 0; k < options.length; k++) {
        options[k].setAttribute("aria-selected", k === i ? "true" : "false");
      }
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", optionId(i));
        if (options[i].scrollIntoView) { options[i].scrollIntoView({ block: "nearest" }); }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    // The title with the typed text marked, built from text nodes (never HTML).
    function label(title, typed) {
      var fragment = document.createDocumentFragment();
      var at = typed ? title.indexOf(typed) : -1;
      if (at < 0) {
        fragment.appendChild(document.createTextNode(title));
        return fragment;
      }
      var mark = document.createElement("mark");
      mark.textContent = title.slice(at, at + typed.length);
      fragment.appendChild(document.createTextNode(title.slice(0, at)));
      fragment.appendChild(mark);
      fragment.appendChild(document.createTextNode(title.slice(at + typed.length)));
      return fragment;
    }

    function render(titles, typed) {
      items = titles;
      list.textContent = "";
      titles.forEach(function (title, i) {
        var li = document.createElement("li");
        li.id = optionId(i);
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.appendChild(label(title, typed));
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      active = -1;
      var message = titles.length
        ? (input.getAttribute("data-suggest-count") || "{n}").replace("{n}", titles.length)
        : (input.getAttribute("data-suggest-none") || "");
      status.textContent = message;
      if (titles.length) { open(); } else { close(); }
    }

    function choose(i) {
      input.value = items[i];
      close();
      if (form) {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    }

    function fetchSuggestions() {
      var typed = input.value.trim();
      if (typed === lastQuery) { open(); return; }
      lastQuery = typed;
      if (pending) { pending.abort(); }
      if (!typed) { render([], ""); return; }
      pending = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(typed), {
        headers: { "Accept": "application/json" },
        credentials: "same-origin",
        signal: pending ? pending.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      }).then(function (data) {
        if (input.value.trim() !== typed) { return; } // typed on since: a newer request follows
        render((data && data.suggestions) || [], typed);
      }).catch(function () { /* aborted or offline: keep quiet, the form still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          if (!items.length) { return; }
          event.preventDefault();
          if (!expanded) { open(); }
          highlight(active + 1 < items.length ? active + 1 : 0);
          break;
        case "ArrowUp":
          if (!items.length) { return; }
          event.preventDefault();
          if (!expanded) { open(); }
          highlight(active > 0 ? active - 1 : items.length - 1);
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault();
            choose(active);
          }
          break;
        case "Escape":
          event.preventDefault();
          if (expanded) { close(); } else { input.value = ""; lastQuery = null; items = []; }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", close);
    input.addEventListener("focus", function () {
      if (items.length && input.value.trim() === lastQuery) { open(); }
    });
  }

  function setupCopy(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    var section = button.closest("section") || document;
    var status = section.querySelector(".copy-status");

    function say(text) { if (status) { status.textContent = text; } }

    function selectTarget() {
      if (target.select) { target.select(); return; }
      var range = document.createRange();
      range.selectNodeContents(target);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }

    function fallback(text) {
      selectTarget();
      var done = false;
      try { done = document.execCommand("copy"); } catch (e) { done = false; }
      say(done ? button.getAttribute("data-copied") : button.getAttribute("data-failed"));
      return text;
    }

    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.value !== undefined ? target.value : target.textContent.trim();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () {
          say(button.getAttribute("data-copied"));
        }, function () { fallback(text); });
      } else {
        fallback(text);
      }
    });
  }

  // A record page reached with a query but no page anchor (a typed or shared link) opens
  // at the first matching page, as the result links do; the back button is unchanged.
  function openAtFirstMatch() {
    var jump = document.querySelector("p.hit-count a.jump");
    if (!jump || window.location.hash) { return; }
    window.location.replace(jump.getAttribute("href"));
  }

  // "Add to folder" on a record page: a passage selected in a page's text becomes the
  // excerpt (摘录), and that page its page number; the server checks both.
  function setupExcerpt() {
    var excerpt = document.getElementById("excerpt");
    var pages = document.getElementById("excerpt-pages");
    if (!excerpt || !pages) { return; }
    document.addEventListener("mouseup", function () {
      var selection = window.getSelection();
      var text = selection ? selection.toString().trim() : "";
      if (!text || !selection.anchorNode) { return; }
      var node = selection.anchorNode.nodeType === 1 ? selection.anchorNode : selection.anchorNode.parentElement;
      var page = node && node.closest ? node.closest("section.page") : null;
      if (!page && !(node && node.closest && node.closest("section.fulltext"))) { return; }
      excerpt.value = text;
      pages.value = page ? page.id.replace("page-", "") : "";
    });
  }

  function start() {
    openAtFirstMatch();
    setupExcerpt();
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), setupCombobox);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy-target]"), setupCopy);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
