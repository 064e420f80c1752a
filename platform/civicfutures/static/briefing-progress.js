// A briefing being built: follow its progress without reloading, then show it when ready.
// Without JavaScript the page reloads itself (a <noscript> refresh) and shows the same steps.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var status = box.querySelector("[data-progress-status]");
  var template = box.getAttribute("data-progress-text");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var delay = 1000;

  function render(progress) {
    var text = template
      .replace("{done}", numbers.format(progress.done))
      .replace("{total}", numbers.format(progress.total))
      .replace("{step}", progress.label);
    bar.max = progress.total;
    bar.value = progress.done;
    bar.setAttribute("aria-valuetext", text);
    bar.textContent = progress.percent + " %";
    // Only a changed text is announced again by the status region.
    if (status.textContent !== text) {
      status.textContent = text;
    }
    progress.steps.forEach(function (step) {
      var item = box.querySelector('[data-step="' + step.key + '"]');
      if (!item) {
        return;
      }
      item.setAttribute("data-state", step.state);
      if (step.state === "current") {
        item.setAttribute("aria-current", "step");
      } else {
        item.removeAttribute("aria-current");
      }
      var state = item.querySelector("[data-state-text]");
      if (state) {
        state.textContent = box.getAttribute("data-state-" + step.state) || "";
      }
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (progress) {
        render(progress);
        if (progress.status === "building") {
          window.setTimeout(poll, delay);
        } else {
          // Ready or failed: the page itself lists the files or the error.
          window.location.reload();
        }
      })
      .catch(function () {
        // A dropped connection or a restarting server: try again, less often.
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
