// A job under way (an export being written, an import being committed): its bar and its
// words follow the job in place, and the page is reloaded once, when the job has ended, to
// show the file or the report. A page that reloaded itself every few seconds would move a
// screen reader back to its top each time (WCAG 2.2.1); without JavaScript it still does,
// through a <noscript> refresh.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-job-url");
  var labels = JSON.parse(box.getAttribute("data-job-labels") || "{}");
  var bar = box.querySelector("progress");
  var delay = 1000;

  function label(job) {
    return (job.status === "running" && labels[job.step]) || labels[job.status] || "";
  }

  function show(selector, text) {
    // Only a changed text is announced again by a status region.
    document.querySelectorAll(selector).forEach(function (element) {
      if (element.textContent !== text) {
        element.textContent = text;
      }
    });
  }

  function render(job) {
    var percent = Math.round(job.progress * 100);
    bar.value = percent;
    // Digits as the server writes them (Babel gives Latin digits in every page language).
    bar.textContent = percent + " %";
    var text = label(job);
    if (text) {
      if (bar.hasAttribute("aria-valuetext")) {
        bar.setAttribute("aria-valuetext", text);
      }
      show("[data-job-text]", text);
    }
    show("[data-job-percent]", String(percent));
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (job) {
        if (job.status === "queued" || job.status === "running") {
          render(job);
          window.setTimeout(poll, delay);
        } else {
          // Done or failed: the page itself shows the file, the report or the error.
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
