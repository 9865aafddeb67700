// The web UI's one script: it enhances pages that work without it. It
// writes what it gets from the server as text (textContent), never as
// markup, and runs under a policy that allows no other script.
(function () {
  "use strict";

  // A copy button on every block of code meant to be copied.
  function copyButtons() {
    document.querySelectorAll("pre.copy").forEach(function (pre) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        var text = pre.innerText;
        var copied = function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 2000);
        };
        var selectInstead = function () {
          var range = document.createRange();
          range.selectNodeContents(pre);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          button.textContent = "Selected: press Ctrl+C";
        };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(copied, selectInstead);
        } else {
          selectInstead();
        }
      });
      pre.parentNode.insertBefore(button, pre);
    });
  }

  // Suggestions under every search box as the query is typed.
  function searchAsYouType() {
    document.querySelectorAll("form.search input[name=q]").forEach(function (input) {
      var list = document.createElement("ul");
      list.className = "suggest";
      list.id = input.id + "-suggest";
      list.hidden = true;
      input.setAttribute("aria-controls", list.id);
      input.setAttribute("autocomplete", "off");
      input.form.appendChild(list);
      var timer = null;
      var asked = 0;
      var hide = function () { list.hidden = true; };
      input.addEventListener("input", function () {
        clearTimeout(timer);
        var q = input.value.trim();
        if (q.length < 2) { hide(); list.replaceChildren(); return; }
        timer = setTimeout(function () {
          var mine = ++asked;
          fetch("/search/suggest?q=" + encodeURIComponent(q), { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.json() : []; })
            .then(function (found) {
              if (mine !== asked) { return; }
              list.replaceChildren();
              found.forEach(function (s) {
                var item = document.createElement("li");
                var link = document.createElement("a");
                link.href = s.href;
                link.textContent = s.address;
                item.appendChild(link);
                var more = document.createElement("span");
                more.className = "muted";
                more.textContent = " v" + s.version + (s.description ? " · " + s.description : "");
                item.appendChild(more);
                list.appendChild(item);
              });
              list.hidden = found.length === 0;
            })
            .catch(hide);
        }, 150);
      });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Escape") { hide(); }
      });
    });
  }

  // The usage builder rewrites its block as values are typed.
  function usageBuilder() {
    var form = document.querySelector("form.usage");
    if (!form) { return; }
    var out = document.querySelector("#usage-block code");
    var problems = document.getElementById("usage-problems");
    var timer = null;
    var asked = 0;
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var mine = ++asked;
        var params = new URLSearchParams(new FormData(form));
        params.delete("tab");
        fetch(form.dataset.usage + "?" + params.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (u) {
            if (mine !== asked) { return; }
            out.textContent = u.block;
            problems.replaceChildren();
            u.problems.forEach(function (p) {
              var item = document.createElement("li");
              item.textContent = p.input + ": " + p.message;
              problems.appendChild(item);
            });
            problems.hidden = u.problems.length === 0;
          })
          .catch(function () {});
      }, 200);
    });
  }

  copyButtons();
  searchAsYouType();
  usageBuilder();
})();
