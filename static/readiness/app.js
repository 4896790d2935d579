/* Readiness dashboard: Plotly charts from json_script data, chart clicks that load an
   assessment with htmx, keyboard navigation on the standup page, the language picker, and
   the browser's time zone for the server. */
(function () {
  "use strict";

  // readiness.middleware.TIME_ZONE_COOKIE: the server shows times in this zone.
  var TIME_ZONE_COOKIE = "tz";

  // plotly.js ships English only. French names, numbers, and day before month on the date
  // axis ("17 nov." rather than "nov. 17").
  var PLOTLY_FRENCH = {
    moduleType: "locale",
    name: "fr",
    dictionary: {
      "Autoscale": "Échelle automatique",
      "Double-click on legend to isolate one trace": "Double-cliquez sur la légende pour isoler une courbe",
      "Double-click to zoom back out": "Double-cliquez pour revenir au zoom initial",
      "Download plot as a PNG": "Télécharger le graphique en PNG",
      "Image download succeeded": "Image téléchargée",
      "Pan": "Déplacer",
      "Preparing image - this may take a few seconds": "Préparation de l’image, quelques secondes…",
      "Reset axes": "Réinitialiser les axes",
      "Zoom": "Zoom",
      "Zoom in": "Zoom avant",
      "Zoom out": "Zoom arrière",
    },
    format: {
      days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
      shortDays: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
      months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre"],
      shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
        "oct.", "nov.", "déc."],
      date: "%d/%m/%Y",
      decimal: ",",
      thousands: " ",
      year: "%Y",
      month: "%b %Y",
      dayMonth: "%-d %b",
      dayMonthYear: "%-d %b %Y",
    },
  };
  var plotlyLocalesRegistered = false;

  function rememberTimeZone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    // IANA names need no cookie escaping (Django does not URL-decode cookies).
    if (!zone || !/^[A-Za-z0-9_+\/-]+$/.test(zone)) return;
    document.cookie = TIME_ZONE_COOKIE + "=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }

  function renderChart(div) {
    if (div.dataset.rendered || typeof Plotly === "undefined") return;
    var source = document.getElementById(div.dataset.chart);
    if (!source) return;
    if (!plotlyLocalesRegistered) {
      Plotly.register(PLOTLY_FRENCH);
      plotlyLocalesRegistered = true;
    }
    var figure = JSON.parse(source.textContent);
    div.dataset.rendered = "true";
    Plotly.newPlot(div, figure.data, figure.layout, {
      locale: document.documentElement.lang,
      responsive: true,
      displaylogo: false,
      modeBarButtonsToRemove: ["select2d", "lasso2d"],
    });
    div.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      if (!point || !point.customdata) return;
      var url = div.dataset.assessmentUrl.replace(/\/0\/$/, "/" + point.customdata[0] + "/");
      // Without a panel to load it into (the history page), the click opens its page.
      if (!div.dataset.target) {
        window.location.assign(url);
        return;
      }
      htmx.ajax("GET", url, { target: div.dataset.target, swap: "innerHTML" }).then(function () {
        var panel = document.querySelector(div.dataset.target);
        if (panel) panel.scrollIntoView({ behavior: "smooth", block: "start" });
      });
    });
    zoomFromServer(div);
  }

  // A downsampled chart (or a zoom into one) asks the server for every point of the window
  // the user drags across; a double-click on a zoomed chart goes back to the whole range.
  function zoomFromServer(div) {
    if (!div.dataset.zoomUrl || typeof htmx === "undefined") return;
    if (!div.dataset.downsampled && !div.dataset.windowed) return;
    div.on("plotly_relayout", function (event) {
      var url = div.dataset.zoomUrl;
      if (event["xaxis.range[0]"] && event["xaxis.range[1]"]) {
        // Every point of a zoom into a whole chart is drawn already.
        if (!div.dataset.downsampled) return;
        url += "&from=" + encodeURIComponent(event["xaxis.range[0]"]) +
          "&to=" + encodeURIComponent(event["xaxis.range[1]"]);
      } else if (!(event["xaxis.autorange"] && div.dataset.windowed)) {
        return;
      }
      htmx.ajax("GET", url, { target: "#chart", swap: "outerHTML" });
    });
  }

  function initCharts(root) {
    var charts = root.querySelectorAll ? root.querySelectorAll("[data-chart]") : [];
    for (var i = 0; i < charts.length; i++) renderChart(charts[i]);
    if (root.dataset && root.dataset.chart) renderChart(root);
  }

  function standupKeys(event) {
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var step = { j: 1, ArrowDown: 1, ArrowRight: 1, k: -1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    var projects = Array.prototype.slice.call(document.querySelectorAll(".standup-project"));
    if (!projects.length) return;
    var current = projects.indexOf(document.activeElement.closest(".standup-project"));
    var next = current === -1 ? (step > 0 ? 0 : projects.length - 1) : current + step;
    next = Math.max(0, Math.min(projects.length - 1, next));
    event.preventDefault();
    projects[next].focus();
    projects[next].scrollIntoView({ behavior: "smooth", block: "start" });
  }

  // The slug follows the name until the user edits the slug itself.
  function deriveSlug(form) {
    var name = document.getElementById(form.getAttribute("data-slug-from"));
    var slug = form.querySelector("input[name=slug]");
    if (!name || !slug) return;
    var edited = slug.value !== "";
    slug.addEventListener("input", function () { edited = slug.value !== ""; });
    name.addEventListener("input", function () {
      if (edited) return;
      slug.value = name.value.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^a-z0-9_\s-]/g, "").trim().replace(/[\s-]+/g, "-").slice(0, 100);
    });
  }

  // A "Copy" button copies the text of the field it names; the field stays selectable
  // by hand where the clipboard is not offered (plain http, an older browser).
  function copyField(event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.focus();
    field.select();
    if (!navigator.clipboard) return;
    navigator.clipboard.writeText(field.value).then(function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      setTimeout(function () { button.textContent = label; }, 2000);
    });
  }

  rememberTimeZone();
  document.addEventListener("click", copyField);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-slug-from]").forEach(deriveSlug);
    document.documentElement.classList.add("js");
    var select = document.querySelector("select[data-autosubmit]");
    if (select) select.addEventListener("change", function () { select.form.submit(); });
    if (document.querySelector("[data-standup]")) document.addEventListener("keydown", standupKeys);
    // htmx may have fired its first load event already: render what is there now, then
    // whatever htmx swaps in later (a chart range change, a finished run).
    initCharts(document);
    if (typeof htmx !== "undefined") htmx.onLoad(initCharts);
  });
  // plotly.js loads async; the load event waits for it, whichever finished first.
  window.addEventListener("load", function () { initCharts(document); });
})();
