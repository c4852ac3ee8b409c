// pcc-hooks dashboard: makes the server-rendered pages live. Every page works without it.
//
// It follows /api/events (Server-Sent Events) and changes only text (textContent) and
// attributes: new rows and cards are clones of <template>s the server rendered, filled with
// values from the event or from /api/pending. Nothing from the server is ever parsed as HTML.
"use strict";

(function () {
  const page = document.body.dataset.page;
  const live = document.getElementById("live");
  const stale = document.getElementById("stale");

  // Says `text` to screen readers (the live region is polite: it waits for a pause).
  function announce(text) {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  // Shows the "this page has changed" notice, for what this page does not update by itself.
  function markStale() {
    if (stale) stale.hidden = false;
  }

  function shortId(id) {
    return id.length > 8 ? id.slice(0, 8) : id;
  }

  function pathSegment(text) {
    return encodeURIComponent(text);
  }

  // ----- The menu's inbox count, on every page -----
  const count = document.getElementById("inbox-count");
  function refreshCount(pending) {
    if (!count) return;
    count.textContent = pending.length > 0 ? String(pending.length) : "";
    count.setAttribute("aria-label", pending.length + " waiting");
  }

  function fetchPending() {
    return fetch("/api/pending", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("GET /api/pending: " + response.status);
        return response.json();
      });
  }

  // ----- The overview: one row per session -----
  const rows = document.getElementById("session-rows");
  const rowTemplate = document.getElementById("session-row");

  function sessionRow(id) {
    if (!rows) return null;
    for (const row of rows.rows) {
      if (row.dataset.session === id) return row;
    }
    return null;
  }

  function setState(element, state) {
    if (!element) return;
    element.textContent = state;
    element.className = "state state-" + state;
  }

  function onSessionState(change) {
    if (page === "sessions" && rows && rowTemplate) {
      let row = sessionRow(change.session_id);
      if (!row) {
        const clone = rowTemplate.content.firstElementChild.cloneNode(true);
        clone.dataset.session = change.session_id;
        const link = clone.querySelector('[data-field="link"]');
        link.textContent = shortId(change.session_id);
        link.title = change.session_id;
        link.href = "/sessions/" + pathSegment(change.session_id);
        clone.querySelector('[data-field="events"]').textContent = "new";
        rows.insertBefore(clone, rows.firstElementChild);
        const empty = document.getElementById("no-sessions");
        if (empty) empty.hidden = true;
        row = clone;
        announce("New session " + shortId(change.session_id) + ": " + change.state);
      }
      setState(row.querySelector(".state"), change.state);
      const last = row.querySelector('[data-field="last_event"]');
      if (last) last.textContent = change.last_event;
      const seen = row.querySelector('[data-field="last_seen"]');
      if (seen) seen.textContent = "just now";
      row.classList.remove("fresh");
      void row.offsetWidth;
      row.classList.add("fresh");
    }
    const facts = document.querySelector("section[data-session]");
    if (facts && facts.dataset.session === change.session_id) markStale();
  }

  function setPendingCell(sessionId, pending) {
    const row = sessionRow(sessionId);
    if (!row) return;
    const cell = row.querySelector('[data-field="pending"]');
    const n = pending.filter(function (e) { return e.session_id === sessionId; }).length;
    if (cell) cell.textContent = String(n);
  }

  // ----- The inbox: one card per pending escalation -----
  const cards = document.getElementById("escalations");

  function cardOf(id) {
    return cards ? cards.querySelector('[data-escalation="' + String(Number(id)) + '"]') : null;
  }

  function fill(card, field, value) {
    const element = card.querySelector('[data-field="' + field + '"]');
    if (element) element.textContent = value;
  }

  function dropFact(card, fact) {
    const element = card.querySelector('[data-fact="' + fact + '"]');
    if (element) element.remove();
  }

  function addCard(escalation) {
    const template = document.getElementById("card-" + escalation.kind);
    if (!template) { markStale(); return; }
    const card = template.content.firstElementChild.cloneNode(true);
    const id = String(Number(escalation.id));
    for (const element of [card].concat(Array.from(card.querySelectorAll("*")))) {
      for (const attribute of Array.from(element.attributes)) {
        if (attribute.value.indexOf("__ID__") !== -1) {
          element.setAttribute(attribute.name, attribute.value.split("__ID__").join(id));
        }
      }
    }
    fill(card, "id", id);
    fill(card, "summary", escalation.summary);
    fill(card, "reason", escalation.reason);
    if (escalation.level) fill(card, "level", escalation.level); else dropFact(card, "level");
    if (escalation.suggestion) fill(card, "suggestion", escalation.suggestion); else dropFact(card, "suggestion");
    if (escalation.project_root) fill(card, "project", escalation.project_root); else dropFact(card, "project");
    const session = card.querySelector('[data-field="session"]');
    if (session) {
      session.textContent = shortId(escalation.session_id);
      session.href = "/sessions/" + pathSegment(escalation.session_id);
    }
    card.classList.add("fresh");
    cards.appendChild(card);
    announce("New escalation #" + id + ": " + escalation.summary);
  }

  function syncInbox(pending) {
    if (page !== "inbox" || !cards) return;
    const waiting = new Set(pending.map(function (e) { return String(e.id); }));
    for (const card of Array.from(cards.querySelectorAll("[data-escalation]"))) {
      if (!waiting.has(card.dataset.escalation) && !card.contains(document.activeElement)) {
        card.remove();
      }
    }
    for (const escalation of pending) {
      if (!cardOf(escalation.id)) addCard(escalation);
    }
    const lead = document.getElementById("inbox-lead");
    if (lead) {
      lead.textContent = (pending.length === 0 ? "Nothing waits on you. " : "") +
        "New escalations appear here as they are raised.";
    }
  }

  function onEscalation(change) {
    fetchPending().then(function (pending) {
      refreshCount(pending);
      syncInbox(pending);
      if (change.session_id) setPendingCell(change.session_id, pending);
      if (change.type === "escalation_answered") {
        announce("Escalation #" + change.id + " answered" + (change.verdict ? ": " + change.verdict : ""));
      }
    }).catch(markStale);
  }

  // ----- The stream -----
  if (!window.EventSource) return;
  const source = new EventSource("/api/events");
  function on(name, handler) {
    source.addEventListener(name, function (message) {
      let change;
      try { change = JSON.parse(message.data); } catch (error) { return; }
      handler(change);
    });
  }
  on("session_state", onSessionState);
  on("escalation_raised", onEscalation);
  on("escalation_answered", onEscalation);
  for (const name of ["task_queued", "task_started", "task_finished", "limit_scheduled",
                      "limit_resumed", "resume_finished"]) {
    on(name, function () {
      if (page === "queue" || page === "lists" || document.querySelector("section[data-session]")) {
        markStale();
      }
    });
  }
  // Fell behind: what is shown may be missing changes.
  source.addEventListener("resync", function () {
    if (page === "inbox") {
      onEscalation({});
    } else {
      markStale();
    }
  });
  document.body.dataset.live = "connecting";
  source.addEventListener("open", function () { document.body.dataset.live = "open"; });
  source.addEventListener("error", function () { document.body.dataset.live = "retrying"; });
})();
