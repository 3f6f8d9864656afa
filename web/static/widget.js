/* faqbot chat widget. Embed with one tag on any page:
 *   <script src="https://<faqbot-host>/widget.js" defer></script>
 * Options (data-* on that tag): data-api-base, data-title, data-greeting, data-accent, data-position.
 * Everything lives in a shadow root, so the page's CSS and the widget's never meet; server text
 * is always inserted with textContent, never as markup.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || customElements.get("faqbot-widget")) return;

  const options = script.dataset;
  const apiBase = (options.apiBase || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  const title = options.title || "Ask about this site";
  const greeting = options.greeting || "Hi! Ask me anything about these articles. I answer from the site's own content.";
  const position = options.position === "left" ? "left" : "right";
  const accent = options.accent && CSS.supports("color", options.accent) ? options.accent : "";
  const storageKey = `faqbot:${apiBase}`;
  const REQUEST_TIMEOUT_MS = 20000;
  const MAX_STARTERS = 4;

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
    header { display: flex; align-items: center; gap: 6px; padding: 10px 10px 10px 16px; background: var(--accent); color: var(--accent-fg); }
    header h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 650; line-height: 1.3; }
    .icon-btn { border: 0; background: transparent; color: inherit; border-radius: 8px; min-width: 36px; height: 36px; padding: 0 8px; font-size: 13px; }
    .icon-btn:hover { background: rgba(255,255,255,.16); }
    header :focus-visible { outline-color: var(--accent-fg); }
    .log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 12px; }
    .msg { max-width: 88%; padding: 10px 12px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
    .msg p { margin: 0; }
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
  function safeHref(url) {
    try {
      const resolved = new URL(url, apiBase + "/");
      return resolved.protocol === "http:" || resolved.protocol === "https:" ? resolved.href : null;
    } catch { return null; }
  }

  class FaqbotWidget extends HTMLElement {
    constructor() {
      super();
      this.state = this.load();
      this.pending = false;
      const shadow = this.attachShadow({ mode: "open" });
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS_TEXT);
      shadow.adoptedStyleSheets = [sheet];
      this.root = el("div", { class: `root ${position}` });
      if (accent) this.root.style.setProperty("--accent", accent);
      shadow.append(this.root);
      this.render();
    }

    load() {
      try {
        const saved = JSON.parse(sessionStorage.getItem(storageKey) || "null");
        if (saved && Array.isArray(saved.messages)) return { open: !!saved.open, messages: saved.messages };
      } catch { /* storage blocked or corrupt: start afresh */ }
      return { open: false, messages: [] };
    }

    save() {
      try { sessionStorage.setItem(storageKey, JSON.stringify(this.state)); } catch { /* storage full or blocked */ }
    }

    render() {
      this.launcher = el("button", { class: "launcher", type: "button", "aria-label": "Ask a question", "aria-expanded": "false", onclick: () => this.open() },
        icon("chat"), el("span", {}, "Ask"));

      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
      this.input = el("textarea", { id: "faqbot-q", rows: "1", maxlength: "1000", placeholder: "Type your question…", onkeydown: (e) => this.onKey(e) });
      this.sendButton = el("button", { class: "send", type: "submit" }, "Send");
      const form = el("form", { onsubmit: (e) => { e.preventDefault(); this.ask(this.input.value); } },
        el("label", { class: "sr-only", for: "faqbot-q" }, "Your question"), this.input, this.sendButton);
      this.panel = el("div", { class: "panel", role: "dialog", "aria-label": title, hidden: true, onkeydown: (e) => { if (e.key === "Escape") this.close(); } },
        el("header", {},
          el("h2", {}, title),
          el("button", { class: "icon-btn", type: "button", "aria-label": "Clear conversation", title: "Clear conversation", onclick: () => this.clear() }, "Clear"),
          el("button", { class: "icon-btn", type: "button", "aria-label": "Close", title: "Close", onclick: () => this.close() }, "✕")),
        this.log, form);
      this.root.append(this.launcher, this.panel);
      this.renderLog();
      if (this.state.open) this.open({ focus: false });
    }

    open({ focus = true } = {}) {
      this.panel.hidden = false;
      this.launcher.hidden = true;
      this.launcher.setAttribute("aria-expanded", "true");
      this.state.open = true;
      this.save();
      if (!this.state.messages.length) this.loadStarters();
      if (focus) this.input.focus();
      this.log.scrollTop = this.log.scrollHeight;
    }

    close() {
      this.panel.hidden = true;
      this.launcher.hidden = false;
      this.launcher.setAttribute("aria-expanded", "false");
      this.state.open = false;
      this.save();
      this.launcher.focus();
    }

    clear() {
      this.state.messages = [];
      this.save();
      this.renderLog();
      this.loadStarters();
      this.input.focus();
    }

    onKey(event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.ask(this.input.value);
      }
    }

    async loadStarters() {
      if (this.starters) return this.renderLog();
      try {
        const response = await fetch(`${apiBase}/api/faq`, { headers: { Accept: "application/json" } });
        const entries = response.ok ? await response.json() : [];
        this.starters = entries.slice(0, MAX_STARTERS).map((e) => String(e.question));
      } catch { this.starters = []; }
      if (!this.state.messages.length) this.renderLog();
    }

    renderLog() {
      this.log.replaceChildren();
      if (!this.state.messages.length) {
        const intro = el("div", { class: "msg bot" }, el("p", {}, greeting));
        if (this.starters && this.starters.length) {
          intro.append(el("span", { class: "label" }, "Try one of these:"), this.chips(this.starters));
        }
        this.log.append(intro);
      }
      for (const message of this.state.messages) this.log.append(this.renderMessage(message));
      this.log.scrollTop = this.log.scrollHeight;
    }

    chips(questions) {
      return el("div", { class: "chips" }, ...questions.map((q) => el("button", { class: "chip", type: "button", onclick: () => this.ask(q) }, q)));
    }

    renderMessage(message) {
      if (message.role === "user") return el("div", { class: "msg user" }, el("span", { class: "sr-only" }, "You: "), el("p", {}, message.text));
      if (message.role === "error") {
        return el("div", { class: "msg bot error", role: "alert" }, el("p", {}, message.text),
          el("div", { class: "chips" }, el("button", { class: "chip", type: "button", onclick: () => this.retry(message) }, "Retry")));
      }
      const box = el("div", { class: "msg bot" }, el("span", { class: "sr-only" }, "faqbot: "), el("p", {}, message.text));
      const links = (message.sources || []).map((s) => ({ ...s, href: safeHref(s.url) })).filter((s) => s.href);
      const list = (items) => el("ul", { class: "sources" }, ...items.map((s) => el("li", {}, el("a", { href: s.href }, `${s.title} › ${s.section}`))));
      if (message.answered && links.length) {
        box.append(el("span", { class: "label" }, "Source"), list(links.slice(0, 1)));
        if (links.length > 1) box.append(el("span", { class: "label" }, "See also"), list(links.slice(1)));
      } else if (links.length) {
        box.append(el("span", { class: "label" }, "Closest matches"), list(links));
      }
      if (message.suggestions && message.suggestions.length) {
        box.append(el("span", { class: "label" }, "Did you mean:"), this.chips(message.suggestions));
      }
      if (message.answerId) box.append(this.rating(message));
      return box;
    }

    rating(message) {
      const make = (helpful, symbol, label) => el("button", {
        type: "button", "aria-label": label, title: label, "aria-pressed": String(message.helpful === helpful),
        onclick: () => this.rate(message, helpful),
      }, icon(symbol));
      return el("div", { class: "rate", role: "group", "aria-label": "Was this helpful?" }, make(true, "up", "Helpful"), make(false, "down", "Not helpful"));
    }

    async rate(message, helpful) {
      message.helpful = helpful;
      this.save();
      this.renderLog();
      try {
        await fetch(`${apiBase}/api/feedback`, {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ answer_id: message.answerId, helpful }),
        });
      } catch { /* feedback is best effort: the reader's answer is what matters */ }
    }

    retry(message) {
      this.state.messages = this.state.messages.filter((m) => m !== message);
      this.save();
      this.send(message.question);
    }

    ask(raw) {
      const question = String(raw || "").trim();
      if (!question || this.pending) return;
      this.input.value = "";
      this.state.messages.push({ role: "user", text: question });
      this.save();
      this.renderLog();
      this.send(question);
    }

    async send(question) {
      this.pending = true;
      this.sendButton.disabled = true;
      const typing = el("div", { class: "msg bot", "aria-label": "faqbot is typing" }, el("span", { class: "typing" }, el("i"), el("i"), el("i")));
      this.log.append(typing);
      this.log.scrollTop = this.log.scrollHeight;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
      let reply;
      try {
        const response = await fetch(`${apiBase}/api/ask`, {
          method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
          // The page's path (never its query string) tells the API which article "this page" means.
          body: JSON.stringify({ question, top_k: 3, page: location.pathname.slice(0, 2048) }), signal: controller.signal,
        });
        const body = await response.json().catch(() => null);
        if (response.ok && body) {
          reply = { role: "bot", text: String(body.answer), answered: !!body.answered, answerId: body.answer_id,
            sources: body.sources || [], suggestions: body.answered ? [] : body.suggestions || [] };
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
        typing.remove();
        this.pending = false;
        this.sendButton.disabled = false;
      }
      this.state.messages.push(reply);
      this.save();
      this.renderLog();
    }
  }

  customElements.define("faqbot-widget", FaqbotWidget);
  const mount = () => { if (!document.querySelector("faqbot-widget")) document.body.append(document.createElement("faqbot-widget")); };
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
