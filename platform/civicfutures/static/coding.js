// Coding by selection on the story page: a selection inside a story text becomes start/end
// offsets in Unicode code points (what the server counts; JavaScript strings count UTF-16
// units, so an emoji is two of them but one code point). Keyboard: a focused text takes
// Shift+arrows to extend a selection (Ctrl as well for whole words), arrows to move.
(function () {
  "use strict";
  var form = document.getElementById("coding-form");
  if (!form) { return; }
  var start = document.getElementById("coding-start");
  var end = document.getElementById("coding-end");
  var text = document.getElementById("coding-text");
  var phrase = document.getElementById("coding-phrase");
  var shown = document.getElementById("coding-selection");
  var texts = document.querySelectorAll("[data-coding-text]");

  function codePoints(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      // A high surrogate followed by a low one is one code point.
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        var d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { i++; }
      }
      n++;
    }
    return n;
  }

  function offsetIn(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return codePoints(range.toString());
  }

  function containerOf(node) {
    while (node && node !== document.body) {
      if (node.nodeType === 1 && node.hasAttribute("data-coding-text")) { return node; }
      node = node.parentNode;
    }
    return null;
  }

  function update() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return; }
    var range = sel.getRangeAt(0);
    var box = containerOf(range.startContainer);
    if (!box || box !== containerOf(range.endContainer)) { return; }
    var a = offsetIn(box, range.startContainer, range.startOffset);
    var b = offsetIn(box, range.endContainer, range.endOffset);
    if (a === b) { return; }
    start.value = String(Math.min(a, b));
    end.value = String(Math.max(a, b));
    text.value = box.getAttribute("data-coding-text");
    if (phrase) { phrase.value = ""; }
    var words = range.toString();
    shown.textContent = form.getAttribute("data-selected-label") ?
      form.getAttribute("data-selected-label") + " " + words : words;
  }

  document.addEventListener("selectionchange", update);

  // Caret movement in a focused (not editable) text: what caret browsing would do.
  Array.prototype.forEach.call(texts, function (box) {
    box.addEventListener("focus", function () {
      var sel = window.getSelection();
      if (sel && (sel.rangeCount === 0 || !box.contains(sel.anchorNode))) {
        sel.collapse(box, 0);
      }
    });
    box.addEventListener("keydown", function (event) {
      var keys = { ArrowLeft: "left", ArrowRight: "right", Home: "backward", End: "forward" };
      var direction = keys[event.key];
      if (!direction || event.altKey || event.metaKey) { return; }
      var sel = window.getSelection();
      if (!sel || typeof sel.modify !== "function") { return; }
      if (sel.rangeCount === 0 || !box.contains(sel.anchorNode)) { sel.collapse(box, 0); }
      var unit = event.key === "Home" || event.key === "End" ? "lineboundary" :
        (event.ctrlKey ? "word" : "character");
      sel.modify(event.shiftKey ? "extend" : "move", direction, unit);
      event.preventDefault();
    });
  });
})();
