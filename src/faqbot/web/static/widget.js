/* faqbot chat widget. Embed with one tag on any page:
 *   <script src="https://<faqbot-host>/widget.js" defer></script>
 * or write <faqbot-widget data-title="Help" data-position="left"></faqbot-widget> plus that tag.
 * Options: data-api-base, data-title, data-greeting, data-accent, data-position: the script tag's
 * are the defaults, the element's own win (and may change: all but data-api-base are observed).
 * In one file: a store (state + subscribe); an API layer (fetch; each question tagged with the
 * conversation's generation, so a reply that comes after Clear is dropped, and sent with the earlier
 * turns as `history` and a random conversation id, both new after Clear); rendering, one node per
 * message, appended, patched or removed, never the whole log, so focus and scroll survive.
 * All in an open shadow root; server and user text goes in as text nodes, never as markup.
 */
(() => {
  "use strict";
  if (customElements.get("faqbot-widget")) return;
  const script = document.currentScript;
  const defaults = (script && script.dataset) || {};
  const scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const REQUEST_TIMEOUT_MS = 20000;
  const MAX_STARTERS = 4;
  const MAX_HISTORY = 10; // turns sent with a question (the API's limit)

  const CSS_TEXT = `
:host { all: initial !important; }
.root {
  --accent: #1d4ed8; --accent-fg: #ffffff; --bg: #ffffff; --fg: #1f2328; --muted: #4b5563;
  --line: #d1d5db; --bot: #f3f4f6; --user-bg: var(--accent); --user-fg: var(--accent-fg); --focus: #1d4ed8;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); letter-spacing: normal; text-align: left; text-transform: none;
}
@media (prefers-color-scheme: dark) {
  .root { --bg: #111827; --fg: #f3f4f6; --muted: #c0c7d2; --line: #374151; --bot: #1f2937; --focus: #93c5fd; }
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, textarea { font: inherit; color: inherit; }
button { cursor: pointer; display: inline-flex; align-items: center; justify-content: center; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.launcher {
  position: fixed; bottom: 20px; z-index: 2147483000; gap: 8px; padding: 12px 18px; min-height: 48px;
  border: 0; border-radius: 999px; background: var(--accent); color: var(--accent-fg);
  font-weight: 600; font-size: 15px; box-shadow: 0 6px 20px rgba(0,0,0,.25);
}
.launcher svg { width: 20px; height: 20px; }
.left .launcher, .left .panel { left: 20px; }
.right .launcher, .right .panel { right: 20px; }
.panel {
  position: fixed; bottom: 20px; z-index: 2147483001; width: 380px; max-width: calc(100vw - 40px);
  height: min(600px, calc(100vh - 40px)); display: flex; flex-direction: column; overflow: hidden;
  background: var(--bg); color: var(--fg); border: 1px solid var(--line); border-radius: 14px;
  box-shadow: 0 12px 40px rgba(0,0,0,.3);
}
.head { display: flex; align-items: center; gap: 6px; padding: 10px 10px 10px 16px; background: var(--accent); color: var(--accent-fg); }
.head h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 650; line-height: 1.3; }
.icon-btn { border: 0; background: transparent; color: inherit; border-radius: 8px; min-width: 36px; height: 36px; padding: 0 8px; font-size: 13px; }
.icon-btn:hover { background: rgba(255,255,255,.16); }
.head :focus-visible { outline-color: var(--accent-fg); }
.log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 12px; }
.msg { max-width: 88%; padding: 10px 12px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.msg p { margin: 0; }
.answer { white-space: normal; } .answer pre { white-space: pre-wrap; }
.answer p, .answer ul, .answer ol, .answer pre, .answer blockquote { margin: 0 0 6px; } .answer blockquote { border-left: 3px solid currentColor; padding-left: 8px; } .answer > :last-child { margin-bottom: 0; }
.answer ul, .answer ol { padding-left: 20px; } .answer a { color: inherit; text-decoration: underline; }
.user { align-self: flex-end; background: var(--user-bg); color: var(--user-fg); border-bottom-right-radius: 4px; }
.bot { align-self: flex-start; background: var(--bot); color: var(--fg); border-bottom-left-radius: 4px; }
.error { border: 1px solid #b91c1c; }
.sources { margin: 8px 0 0; padding: 0; list-style: none; font-size: 13px; }
.sources li { margin-top: 4px; }
.sources a { color: var(--fg); text-decoration: underline; text-underline-offset: 2px; }
.label { display: block; font-size: 12px; color: var(--muted); margin-top: 8px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.chip { border: 1px solid var(--line); background: var(--bg); color: var(--fg); border-radius: 999px; padding: 6px 10px; font-size: 13px; text-align: left; }
.chip:hover { border-color: var(--accent); }
.interp { font-style: italic; }
.foot { padding: 0 12px 10px; background: var(--bg); font-size: 13px; }
.foot a { color: var(--fg); text-decoration: underline; text-underline-offset: 2px; }
.rate { display: flex; gap: 4px; margin-top: 8px; }
.rate button { border: 1px solid var(--line); background: var(--bg); color: var(--fg); border-radius: 8px; width: 34px; height: 30px; padding: 0; }
.rate svg { width: 16px; height: 16px; }
.rate button[aria-pressed="true"] { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
.typing { display: inline-flex; gap: 4px; padding: 4px 2px; }
.typing i { width: 7px; height: 7px; border-radius: 50%; background: var(--muted); animation: blink 1.2s infinite both; }
.typing i:nth-child(2) { animation-delay: .2s; } .typing i:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing i { animation: none; } }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid var(--line); background: var(--bg); }
textarea {
  flex: 1; resize: none; min-height: 42px; max-height: 120px; padding: 10px; border: 1px solid var(--line);
  border-radius: 10px; background: var(--bg); color: var(--fg); font-size: 15px; line-height: 1.4;
}
.send { border: 0; border-radius: 10px; padding: 0 16px; background: var(--accent); color: var(--accent-fg); font-weight: 600; min-height: 42px; }
.send:disabled { opacity: .6; cursor: default; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (max-width: 480px) {
  .panel { left: 0 !important; right: 0 !important; bottom: 0; top: 0; width: 100vw; max-width: none; height: 100%; border-radius: 0; border: 0; }
}
  `;
  const ICONS = {
    chat: "M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z",
    up: "M7 10v11H3V10h4zm0 0 4-8a3 3 0 0 1 3 3v4h5.5a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.1 21H7",
    down: "M17 14V3h4v11h-4zm0 0-4 8a3 3 0 0 1-3-3v-4H4.5a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 5.9 3H17",
  };

  /** A line icon from a constant path (built with DOM calls: nothing here is parsed as markup). */
  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    const attrs = { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linejoin": "round", "aria-hidden": "true" };
    for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, v);
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  /** Build an element: el("p", {class: "x"}, "text", child). Strings become text nodes, never markup. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  /** Only http(s) links, resolved against the API's origin (source urls may be site-relative). */
  function safeHref(url, base) {
    try {
      const resolved = new URL(url, base + "/");
      return resolved.protocol === "http:" || resolved.protocol === "https:" ? resolved.href : null;
    } catch { return null; }
  }

  /** Where "talk to a person" goes: an http(s) or mailto: URL, or a bare e-mail address; else null. */
  function contactHref(url, base) {
    if (typeof url !== "string" || !url.trim()) return null;
    if (/^[^\s@/:]+@[^\s@/]+$/.test(url.trim())) return `mailto:${url.trim()}`;
    try {
      const resolved = new URL(url.trim(), base + "/");
      return ["http:", "https:", "mailto:", "tel:"].includes(resolved.protocol) ? resolved.href : null;
    } catch { return null; }
  }

  // An FAQ answer's HTML, sanitised by the server (faqbot.content.markdown), parsed inert (DOMParser runs and
  // loads nothing) and rebuilt here from the same allow-list, node by node, never as markup.
  const RICH = new Set(["P", "BR", "UL", "OL", "LI", "A", "EM", "STRONG", "CODE", "PRE", "BLOCKQUOTE"]);
  function richText(html, base) {
    const copy = (node) => {
      if (node.nodeType === Node.TEXT_NODE) return node.data;
      const children = node.nodeType === Node.ELEMENT_NODE ? Array.from(node.childNodes, copy).flat() : [];
      if (!RICH.has(node.tagName)) return children; // not allowed: its text only
      const number = { OL: "start", LI: "value" }[node.tagName]; // an ordered list's numbering, digits only
      const attrs = number && /^\d+$/.test(node.getAttribute(number)) ? { [number]: node.getAttribute(number) } : {};
      if (node.tagName === "A") {
        attrs.href = contactHref(node.getAttribute("href"), base);
        if (!attrs.href) return children;
        attrs.rel = "noopener noreferrer";
      }
      return el(node.tagName.toLowerCase(), attrs, ...children);
    };
    return el("div", { class: "answer" }, ...copy(new DOMParser().parseFromString(html, "text/html").body));
  }

  let lastId = 0;
  const newId = () => `m${Date.now().toString(36)}${(lastId++).toString(36)}`;
  /** A conversation's id: 128 random bits, in hex (the API takes [A-Za-z0-9_-]{1,64}). */
  const newConversation = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  /** The conversation so far, as the API takes it: the answered turns, oldest first (each reply keeps its question). */
  function historyOf(messages) {
    return messages.filter((m) => m.role === "bot" && m.answerId && typeof m.question === "string").slice(-MAX_HISTORY).map((m) => {
      const turn = { question: m.question.slice(0, 1000), answer: m.text.slice(0, 4000) };
      const source = m.answered && m.kind !== "smalltalk" && (m.sources || [])[0];
      if (source && typeof source.id === "string") turn.source_id = source.id.slice(0, 200);
      return turn;
    });
  }

  /** The configuration: the element's own data-* attributes win over the script tag's. */
  function readConfig(element) {
    const option = (name) => element.dataset[name] || defaults[name] || "";
    const accent = option("accent");
    return {
      apiBase: (option("apiBase") || scriptOrigin).replace(/\/+$/, ""),
      title: option("title") || "Ask about this site",
      greeting: option("greeting") || "Hi! Ask me anything about these articles. I answer from the site's own content.",
      position: option("position") === "left" ? "left" : "right",
      accent: accent && CSS.supports("color", accent) ? accent : "",
    };
  }

  // ---- The store: { open, messages, conversationId, typing, generation, starters, contact }, replaced (never mutated) on each
  // change; subscribers get (state, previous).
  function createStore(state) {
    const listeners = new Set();
    return {
      get: () => state,
      update(change) {
        const previous = state;
        state = { ...state, ...(typeof change === "function" ? change(state) : change) };
        for (const listener of listeners) listener(state, previous);
      },
      subscribe(listener) { listeners.add(listener); return () => listeners.delete(listener); },
    };
  }

  /** What a tab keeps across its pages (sessionStorage): open or not, the messages and the conversation's id. */
  function loadSaved(key) {
    try {
      const saved = JSON.parse(sessionStorage.getItem(key) || "null");
      if (saved && Array.isArray(saved.messages)) {
        const messages = saved.messages.filter((m) => m && typeof m.text === "string" && ["user", "bot", "error"].includes(m.role));
        const id = /^[\w-]{1,64}$/.test(saved.conversationId) ? saved.conversationId : newConversation();
        return { open: !!saved.open, messages: messages.map((m) => (m.id ? m : { ...m, id: newId() })), conversationId: id };
      }
    } catch { /* storage blocked or corrupt: start afresh */ }
    return { open: false, messages: [], conversationId: newConversation() };
  }

  function save(key, { open, messages, conversationId }) {
    try { sessionStorage.setItem(key, JSON.stringify({ open, messages, conversationId })); } catch { /* storage full or blocked */ }
  }

  // ---- The API layer: every fetch the widget makes, and nothing else.
  function createApi(base) {
    return {
      base,
      /** The first FAQ questions, to offer as starters ([] when they can't be had). */
      async starters() {
        try {
          // The page's own article's entries come first: starters follow the page the reader is on.
          const page = encodeURIComponent(location.pathname);
          const response = await fetch(`${base}/api/faq?page=${page}`, { headers: { Accept: "application/json" } });
          const entries = response.ok ? await response.json() : [];
          return entries.slice(0, MAX_STARTERS).map((e) => String(e.question));
        } catch { return []; }
      },

      /** Where a reader can reach a person (an href), or null: none configured, or it can't be had. */
      async contact() {
        try {
          const response = await fetch(`${base}/api/widget`, { headers: { Accept: "application/json" } });
          const given = response.ok ? String((await response.json()).contact_url || "").trim() : ""; // "call 555 1234": no link
          return /^(https?:|mailto:|tel:|\/\w)|^[^\s/:]+@/i.test(given) && !/\s/.test(given) ? contactHref(given, base) : null;
        } catch { return null; }
      },

      /** Never rejects: { generation (the caller drops an old one's reply), cancelled (by `signal`), reply }. */
      async ask(question, { generation, signal, turns, conversationId }) {
        const controller = new AbortController();
        const cancel = () => controller.abort();
        let timedOut = false;
        const timer = setTimeout(() => { timedOut = true; controller.abort(); }, REQUEST_TIMEOUT_MS);
        signal.addEventListener("abort", cancel);
        let reply;
        try {
          const response = await fetch(`${base}/api/ask`, {
            method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
            // The page's path (never its query string) tells the API which article "this page" means.
            body: JSON.stringify({ question, top_k: 3, page: location.pathname.slice(0, 2048), conversation_id: conversationId,
              ...(turns.length ? { history: turns } : {}) }), signal: controller.signal,
          });
          const body = await response.json().catch(() => null);
          if (response.ok && body) {
            const strings = (list) => (Array.isArray(list) ? list.map(String) : []);
            reply = { role: "bot", question, text: String(body.answer), answered: !!body.answered, kind: body.kind, answerId: body.answer_id,
              html: typeof body.answer_html === "string" ? body.answer_html : null,
              sources: body.sources || [], suggestions: strings(body.suggestions), followUps: strings(body.follow_ups).slice(0, 3),
              interpreted: typeof body.interpreted_as === "string" ? body.interpreted_as : null };
          } else if (response.status === 429) {
            reply = { role: "error", question, text: "Lots of questions right now. Please wait a moment and try again." };
          } else if (response.status >= 400 && response.status < 500 && body && body.error) {
            reply = { role: "bot", text: `Sorry, I couldn't take that question: ${body.error}` };
          } else {
            reply = { role: "error", question, text: "Sorry, something went wrong on our side. Please try again." };
          }
        } catch {
          reply = { role: "error", question, text: "I can't reach the help service right now. Check your connection and try again." };
        } finally {
          clearTimeout(timer);
          signal.removeEventListener("abort", cancel);
        }
        return { generation, cancelled: signal.aborted && !timedOut, reply };
      },

      /** Thumbs up or down: best effort, the reader's answer is what matters. */
      feedback(answerId, helpful) {
        fetch(`${base}/api/feedback`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ answer_id: answerId, helpful }),
        }).catch(() => {});
      },
    };
  }

  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS_TEXT);

  // ---- The element: the store and the API wired to the DOM.
  class FaqbotWidget extends HTMLElement {
    static get observedAttributes() { return ["data-title", "data-accent", "data-position", "data-greeting"]; }

    constructor() {
      super();
      this.attachShadow({ mode: "open" }); // open: the page's tools (and axe-core) can look inside
    }

    connectedCallback() {
      if (!this.store) this.build();
      this.unsubscribe = this.store.subscribe((state, previous) => this.sync(state, previous));
      this.sync(this.store.get(), {});
      if (this.store.get().open) this.loadExtras();
    }

    disconnectedCallback() {
      this.unsubscribe();
      this.cancel();
    }

    attributeChangedCallback() {
      if (this.store) this.configure();
    }

    build() {
      const config = readConfig(this);
      this.api = createApi(config.apiBase);
      this.storageKey = `faqbot:${config.apiBase}`;
      this.store = createStore({ ...loadSaved(this.storageKey), typing: false, generation: 0, starters: null, contact: null });
      this.store.subscribe((state, previous) => {
        if (state.messages !== previous.messages || state.open !== previous.open || state.conversationId !== previous.conversationId) save(this.storageKey, state);
      });
      this.nodes = new Map(); // log entry key (a message id, "intro", "typing") -> { data, node }
      this.accentRule = new CSSStyleSheet();
      this.accentRule.replaceSync(".root {}");
      this.shadowRoot.adoptedStyleSheets = [sheet, this.accentRule];

      this.launcher = el("button", { class: "launcher", type: "button", "aria-label": "Ask a question", "aria-expanded": "false", onclick: () => this.open() },
        icon("chat"), el("span", {}, "Ask"));
      this.heading = el("h2", { id: "faqbot-title" });
      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
      this.input = el("textarea", { id: "faqbot-q", rows: "1", maxlength: "1000", placeholder: "Type your question…", onkeydown: (e) => this.onKey(e) });
      this.sendButton = el("button", { class: "send", type: "submit" }, "Send");
      const form = el("form", { onsubmit: (e) => { e.preventDefault(); this.ask(this.input.value); } },
        el("label", { class: "sr-only", for: "faqbot-q" }, "Your question"), this.input, this.sendButton);
      // A plain div, not a <header>: inside the page that would be a second banner landmark.
      const head = el("div", { class: "head" }, this.heading,
        el("button", { class: "icon-btn", type: "button", "aria-label": "Clear conversation", title: "Clear conversation", onclick: () => this.clear() }, "Clear"),
        el("button", { class: "icon-btn", type: "button", "aria-label": "Close", title: "Close", onclick: () => this.close() }, "✕"));
      this.contactLink = el("a", { target: "_blank", rel: "noopener" }, "Talk to a person", el("span", { class: "sr-only" }, " (opens in a new tab)"));
      this.foot = el("div", { class: "foot", hidden: true }, this.contactLink);
      this.panel = el("div", { class: "panel", role: "dialog", "aria-labelledby": "faqbot-title", hidden: true, onkeydown: (e) => { if (e.key === "Escape") this.close(); } },
        head, this.log, form, this.foot);
      this.root = el("div", { class: "root" }, this.launcher, this.panel);
      this.shadowRoot.append(this.root);
      this.configure();
    }

    /** Apply the attributes that may change at any time: title, accent, position, greeting. */
    configure() {
      const { title, accent, position, greeting } = readConfig(this);
      this.heading.textContent = title;
      this.root.className = `root ${position}`;
      this.root.dataset.position = position;
      // Through the CSSOM of the widget's own sheet: no style attribute, so a strict CSP is fine.
      const style = this.accentRule.cssRules[0].style;
      if (accent) style.setProperty("--accent", accent); else style.removeProperty("--accent");
      this.greeting = greeting;
      if (this.greetingText) this.greetingText.textContent = greeting;
    }

    // ---- Actions: they change the store (rendering follows) and call the API.

    open() {
      this.store.update({ open: true });
      this.loadExtras();
      this.input.focus();
    }

    close() {
      this.store.update({ open: false });
      this.launcher.focus();
    }

    clear() {
      this.cancel();
      this.store.update((s) => ({ generation: s.generation + 1, messages: [], conversationId: newConversation() }));
      this.loadStarters();
      this.input.focus();
    }

    /** Abort the request in flight, if any; its reply, should it come anyway, is dropped. */
    cancel() {
      if (this.inflight) this.inflight.abort();
      this.inflight = null;
      this.store.update({ typing: false });
    }

    onKey(event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.ask(this.input.value);
      }
    }

    /** On first opening: the starters, and once only, where a person can be reached (failing that, no link). */
    loadExtras() {
      this.loadStarters();
      if (this.contactAsked) return;
      this.contactAsked = true;
      this.api.contact().then((contact) => this.store.update({ contact }));
    }

    async loadStarters() {
      if (this.store.get().starters || this.store.get().messages.length || this.startersAsked) return;
      this.startersAsked = true;
      this.store.update({ starters: await this.api.starters() });
    }

    ask(raw) {
      const question = String(raw || "").trim();
      if (!question || this.store.get().typing) return;
      this.input.value = "";
      this.store.update((s) => ({ messages: [...s.messages, { id: newId(), role: "user", text: question }] }));
      this.send(question);
    }

    retry(message) {
      if (this.store.get().typing) return;
      this.store.update((s) => ({ messages: s.messages.filter((m) => m.id !== message.id) }));
      this.input.focus(); // the Retry button is gone with its message: keep the keyboard in the panel
      this.send(message.question);
    }

    async send(question) {
      const controller = new AbortController();
      this.inflight = controller;
      const { generation, messages, conversationId } = this.store.get();
      this.store.update({ typing: true });
      const turns = historyOf(messages); // the question being asked has no reply yet: it is not among them
      const { cancelled, reply, generation: askedIn } = await this.api.ask(question, { generation, signal: controller.signal, turns, conversationId });
      if (this.inflight === controller) this.inflight = null;
      // Cleared (or taken off the page) meanwhile: this reply belongs to a conversation that is gone.
      if (cancelled || askedIn !== this.store.get().generation) return;
      this.store.update((s) => ({ typing: false, messages: [...s.messages, { ...reply, id: newId() }] }));
    }

    rate(id, helpful) {
      const message = this.store.get().messages.find((m) => m.id === id);
      if (!message) return;
      this.store.update((s) => ({ messages: s.messages.map((m) => (m.id === id ? { ...m, helpful } : m)) }));
      this.api.feedback(message.answerId, helpful);
    }

    // ---- Rendering: the DOM follows the state, one log entry at a time.

    sync(state, previous) {
      if (state.open !== previous.open) {
        this.panel.hidden = !state.open;
        this.launcher.hidden = state.open;
        this.launcher.setAttribute("aria-expanded", String(state.open));
      }
      this.sendButton.disabled = state.typing;
      if (state.contact !== previous.contact) {
        this.foot.hidden = !state.contact;
        if (state.contact) this.contactLink.href = state.contact;
      }
      const entries = state.messages.map((m) => [m.id, m]);
      if (!state.messages.length) entries.unshift(["intro", state.starters]);
      if (state.typing) entries.push(["typing", true]);
      const wanted = new Set(entries.map(([key]) => key));
      for (const [key, entry] of this.nodes) {
        if (!wanted.has(key)) { entry.node.remove(); this.nodes.delete(key); }
      }
      let added = false;
      let before = null;
      for (const [key, data] of entries) {
        let entry = this.nodes.get(key);
        if (!entry) {
          entry = { data, node: this.renderEntry(key, data) };
          this.nodes.set(key, entry);
          if (before) before.after(entry.node); else this.log.prepend(entry.node);
          added = true;
        } else if (entry.data !== data) {
          this.patch(entry, key, data);
        }
        before = entry.node;
      }
      // Suggested next questions: only under the last message, when it is an answer and nothing is asked.
      const last = state.messages[state.messages.length - 1];
      const current = last && last.role === "bot" && !state.typing ? last.id : null;
      for (const [key, { node }] of this.nodes) {
        const next = node.querySelector(".next");
        if (next) next.hidden = key !== current;
      }
      // Only a new entry, or opening, scrolls to the end: a rating leaves the reader where they are.
      if (added || (state.open && !previous.open)) this.log.scrollTop = this.log.scrollHeight;
    }

    /** A rating is patched in place (the same buttons, so focus stays); any other change replaces the node. */
    patch(entry, key, data) {
      const buttons = entry.node.querySelectorAll(".rate button");
      if (key !== "intro" && buttons.length && data.text === entry.data.text) {
        for (const button of buttons) button.setAttribute("aria-pressed", String(data.helpful === (button.dataset.helpful === "true")));
      } else {
        const node = this.renderEntry(key, data);
        entry.node.replaceWith(node);
        entry.node = node;
      }
      entry.data = data;
    }

    renderEntry(key, data) {
      if (key === "typing") {
        return el("div", { class: "msg bot" }, el("span", { class: "sr-only" }, "faqbot is typing…"),
          el("span", { class: "typing", "aria-hidden": "true" }, el("i"), el("i"), el("i")));
      }
      if (key === "intro") {
        this.greetingText = el("p", {}, this.greeting);
        const intro = el("div", { class: "msg bot" }, this.greetingText);
        if (data && data.length) intro.append(el("span", { class: "label" }, "Try one of these:"), this.chips(data));
        return intro;
      }
      return this.renderMessage(data);
    }

    /** Questions as buttons that ask them; when the button goes away with its group, the keyboard stays in the panel. */
    chips(questions, attrs = {}) {
      const chip = (q) => el("button", { class: "chip", type: "button", onclick: (e) => {
        this.ask(q);
        if (!e.currentTarget.isConnected || e.currentTarget.closest("[hidden]")) this.input.focus();
      } }, q);
      return el("div", { class: "chips", ...attrs }, ...questions.map(chip));
    }

    renderMessage(message) {
      if (message.role === "user") return el("div", { class: "msg user" }, el("span", { class: "sr-only" }, "You: "), el("p", {}, message.text));
      if (message.role === "error") {
        return el("div", { class: "msg bot error", role: "alert" }, el("p", {}, message.text),
          el("div", { class: "chips" }, el("button", { class: "chip", type: "button", onclick: () => this.retry(message) }, "Retry")));
      }
      const text = typeof message.html === "string" ? richText(message.html, this.api.base) : el("p", {}, message.text);
      const box = el("div", { class: "msg bot" }, el("span", { class: "sr-only" }, "faqbot: "));
      // Asked in other words ("do you sell pizza?"), an FAQ answer says which question its "Yes." is to.
      const entry = message.answered && message.kind === "faq" && (message.sources || [])[0];
      const words = (s) => String(s || "").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
      if (entry && words(entry.section) !== words(message.question)) box.append(el("span", { class: "label" }, `Answering: ${entry.section}`));
      box.append(text);
      if (message.interpreted) box.append(el("span", { class: "label interp" }, `Answered as: ${message.interpreted}`));
      const chat = message.kind === "smalltalk"; // small talk: an answer without sources or rating
      const links = (chat ? [] : message.sources || []).map((s) => ({ ...s, href: safeHref(s.url, this.api.base) })).filter((s) => s.href);
      // A link says its section (or FAQ question); the article's title is its tooltip, not repeated.
      const list = (items) => el("ul", { class: "sources" }, ...items.map((s) => el("li", {}, el("a", { href: s.href, title: s.title }, s.section))));
      const suggestions = message.suggestions || [];
      if (message.answered && links.length) {
        box.append(el("span", { class: "label" }, "Source"), list(links.slice(0, 1)));
        if (links.length > 1) box.append(el("span", { class: "label" }, "See also"), list(links.slice(1)));
      } else if (links.length) {
        // A decline stays short: no link to an FAQ entry its "did you mean" buttons already offer.
        const closest = links.filter((s) => !(s.kind === "faq" && suggestions.includes(s.section))).slice(0, 2);
        if (closest.length) box.append(el("span", { class: "label" }, "Closest matches"), list(closest));
      }
      if (suggestions.length) {
        box.append(el("span", { class: "label" }, message.answered ? "Or did you mean:" : "Did you mean:"), this.chips(suggestions));
      }
      const next = (message.followUps || []).filter((q) => !suggestions.includes(q));
      if (next.length) {
        // The group's name is what a screen reader says; the visible label would only repeat it.
        box.append(el("div", { class: "next", hidden: true }, el("span", { class: "label", "aria-hidden": "true" }, "You might also ask:"),
          this.chips(next, { role: "group", "aria-label": "Suggested next questions" })));
      }
      if (message.answerId && !chat) {
        const thumb = (helpful, symbol, label) => el("button", {
          type: "button", "aria-label": label, title: label, "data-helpful": String(helpful), "aria-pressed": String(message.helpful === helpful),
          onclick: () => this.rate(message.id, helpful),
        }, icon(symbol));
        box.append(el("div", { class: "rate", role: "group", "aria-label": "Was this helpful?" }, thumb(true, "up", "Helpful"), thumb(false, "down", "Not helpful")));
      }
      return box;
    }
  }

  customElements.define("faqbot-widget", FaqbotWidget);
  // A page that writes <faqbot-widget> itself keeps that one; else the script adds one at the end of <body>.
  const mount = () => { if (!document.querySelector("faqbot-widget")) document.body.append(document.createElement("faqbot-widget")); };
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
