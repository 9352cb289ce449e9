// The sandbox page: three phones (consultant, nurse, parent) talking to the real bot through
// the sandbox server's JSON API (/api/...) and its server-sent events (/api/events).
// Plain JavaScript, no build step, no libraries. Text goes in as text; only a message's `html`
// (already made safe by the server) goes in as HTML.
"use strict";

(() => {
  const NARROW = window.matchMedia("(max-width: 799.98px)");
  const state = {
    phones: new Map(), // user_id -> Phone, in the order of /api/phones
    phonesKey: null, // which phones are built (to rebuild only when they change)
    languages: [],
    active: null, // the phone shown on a narrow screen
    generation: 0, // bumped by every loadAll, so a late answer of an older one is dropped
    events: null,
    retries: 0,
    lostEvents: false, // the event stream dropped: reload everything once it is back
    resetting: false,
  };

  const page = {
    notice: document.querySelector("[data-testid=notice]"),
    reset: document.querySelector("[data-testid=reset]"),
    error: document.querySelector("[data-testid=page-error]"),
    connection: document.querySelector("[data-testid=connection]"),
    tabsNote: document.querySelector("[data-testid=tabs-note]"),
    tabs: document.querySelector("[data-testid=tabs]"),
    phones: document.querySelector("[data-testid=phones]"),
  };

  // ---- small helpers ---------------------------------------------------------------------

  /** An element with attributes (`text` sets its text, `on…` adds a listener) and children. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  class ApiError extends Error {}

  /** Calls the sandbox API; throws ApiError with a readable message on any failure. */
  async function api(method, path, body) {
    const options = { method, cache: "no-store", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch {
      throw new ApiError("the sandbox server does not answer");
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok || (data && typeof data.error === "string")) {
      const reason = data && data.error ? data.error : `${response.status} ${response.statusText}`;
      throw new ApiError(reason.trim() || `HTTP ${response.status}`);
    }
    return data;
  }

  function showMessage(node, text) {
    node.querySelector(".message-text").textContent = text;
    node.hidden = false;
  }

  function errorBox(testid, className) {
    const box = el("p", { class: className, role: "alert", "data-testid": testid, hidden: true },
      el("span", { class: "message-text" }),
      el("button", {
        type: "button", class: "dismiss", "aria-label": "Dismiss", text: "×",
        onclick: () => { box.hidden = true; },
      }));
    return box;
  }

  const pageError = errorBox("page-error", "page-error");
  page.error.replaceWith(pageError);
  page.error = pageError;

  function showPageError(text) { showMessage(page.error, text); }
  function clearPageError() { page.error.hidden = true; }

  function clockTime(seconds) {
    if (!Number.isFinite(seconds)) return "";
    return new Date(seconds * 1000).toLocaleTimeString([], {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
  }

  // ---- one phone ---------------------------------------------------------------------------

  class Phone {
    constructor(info) {
      this.id = info.user_id;
      this.role = info.role;
      this.title = info.title;
      this.language = info.language;
      this.entries = new Map(); // message id -> { key, node }
      this.keyboardKey = null;
      this.lastId = null;
      this.stuck = true; // the chat is scrolled to its newest message: keep it there
      this.loading = null;
      this.dirty = false;
      this.toastTimer = null;
      this.build(info);
    }

    build(info) {
      const { id, role } = this;
      this.tab = el("button", {
        type: "button", role: "tab", id: `tab-${id}`, class: "tab", "data-role": role,
        "data-testid": "tab", "aria-controls": `phone-${id}`, "aria-selected": "false",
        tabindex: "-1", onclick: () => activate(id),
      }, el("span", { class: "tab-title", text: info.title }),
      el("span", { class: "unread", "aria-label": "new messages", hidden: true }));

      this.list = el("ol", {
        class: "messages", role: "log", "aria-live": "polite", "data-testid": "messages",
        "aria-label": `Chat on ${info.title}'s phone`,
      });
      this.toast = el("div", { class: "toast", role: "status", "data-testid": "toast", hidden: true });
      this.error = errorBox("error", "phone-error");
      this.startButton = el("button", {
        type: "button", class: "start", "data-testid": "start", text: "Start",
        onclick: () => this.send("/start"),
      });
      this.startBar = el("div", { class: "start-bar", hidden: true }, this.startButton);
      this.empty = el("p", {
        class: "empty", "data-testid": "empty", hidden: true,
        text: "No messages yet: press Start, as in Telegram.",
      });

      this.input = el("input", {
        type: "text", class: "input", "data-testid": "input", dir: "auto",
        placeholder: "Message", "aria-label": `Message from ${info.title}`,
        autocomplete: "off", enterkeyhint: "send", maxlength: "4096",
      });
      this.sendButton = el("button", {
        type: "submit", class: "send", "data-testid": "send", "aria-label": "Send",
        title: "Send",
      }, el("span", { class: "send-arrow", "aria-hidden": "true", text: "➤" }));
      const tools = [];
      if (role === "parent") {
        tools.push(el("button", {
          type: "button", class: "tool", "data-testid": "send-photo", title: "Send a demo photo",
          "aria-label": "Send a demo photo", text: "📷", onclick: () => this.post("photo", {}),
        }));
        tools.push(el("button", {
          type: "button", class: "tool", "data-testid": "send-voice",
          title: "Send a demo voice note", "aria-label": "Send a demo voice note", text: "🎤",
          onclick: () => this.post("voice", {}),
        }));
      }
      this.composer = el("form", {
        class: "composer", "data-testid": "composer",
        onsubmit: (event) => { event.preventDefault(); this.submit(); },
      }, ...tools, this.input, this.sendButton);
      this.keyboard = el("div", {
        class: "reply-keyboard", "data-testid": "keyboard", role: "group",
        "aria-label": "Keyboard from the bot", hidden: true,
      });
      this.screen = el("div", { class: "screen", "data-testid": "chat", dir: "ltr" },
        el("div", { class: "chat-bar" },
          el("span", { class: "bot-avatar", "aria-hidden": "true", text: "📚" }),
          el("span", { class: "bot-name" }, el("strong", { text: "Library bot" }),
            el("small", { text: "bot" }))),
        this.list, this.empty, this.toast, this.error, this.startBar, this.composer, this.keyboard);

      const caption = el("div", { class: "caption" },
        el("h2", { class: "phone-title", id: `title-${id}`, text: info.title }));
      if (role === "parent") {
        this.languageSelect = el("select", {
          class: "language", "data-testid": "language", id: `language-${id}`,
          onchange: () => this.changeLanguage(),
        });
        caption.append(el("label", { class: "language-picker", for: `language-${id}` },
          el("span", { text: "Telegram language" }), this.languageSelect));
      }

      this.node = el("section", {
        class: "phone", id: `phone-${id}`, "data-role": role, "data-user-id": id,
        "data-testid": "phone", role: "tabpanel", "aria-labelledby": `title-${id}`,
      }, caption, el("div", { class: "frame" }, this.screen));

      this.list.addEventListener("scroll", () => { this.stuck = this.atBottom(); },
        { passive: true });
      this.update(info);
    }

    /** Takes the phone's entry from /api/phones (title, Telegram language). */
    update(info) {
      this.title = info.title;
      this.language = info.language;
      if (this.languageSelect) {
        const current = info.language;
        this.languageSelect.replaceChildren(...state.languages.map((language) => el("option", {
          value: language.code, lang: language.code, dir: language.rtl ? "rtl" : "ltr",
          text: language.name, selected: language.code === current,
        })));
        this.languageSelect.value = current;
      }
      if (info.rtl !== undefined) this.setDirection(info.rtl, info.language);
    }

    setDirection(rtl, language) {
      this.screen.dir = rtl ? "rtl" : "ltr";
      if (language) this.screen.lang = language;
    }

    atBottom() {
      const list = this.list;
      return list.scrollHeight - list.scrollTop - list.clientHeight < 48;
    }

    scrollToEnd() {
      this.list.scrollTop = this.list.scrollHeight;
      this.stuck = true;
    }

    /** Fetches the chat again; calls that come while one runs make it fetch once more. */
    async refresh() {
      if (this.loading) {
        this.dirty = true;
        return this.loading;
      }
      this.loading = (async () => {
        do {
          this.dirty = false;
          try {
            const chat = await api("GET", `/api/chats/${this.id}`);
            this.render(chat);
            if (this.errorKind === "load") this.error.hidden = true;
          } catch (error) {
            this.showError(`Could not load this chat: ${error.message}`, "load");
          }
        } while (this.dirty);
      })();
      try {
        await this.loading;
      } finally {
        this.loading = null;
      }
      return undefined;
    }

    render(chat) {
      this.setDirection(Boolean(chat.rtl), chat.language);
      const messages = Array.isArray(chat.messages) ? chat.messages : [];
      const keep = new Set();
      let previous = null;
      for (const message of messages) {
        const key = JSON.stringify(message);
        let entry = this.entries.get(message.id);
        if (!entry || entry.key !== key) {
          const node = this.renderMessage(message);
          if (entry) entry.node.replaceWith(node);
          entry = { key, node };
          this.entries.set(message.id, entry);
        }
        keep.add(message.id);
        const expected = previous ? previous.nextSibling : this.list.firstChild;
        if (expected !== entry.node) this.list.insertBefore(entry.node, expected);
        previous = entry.node;
      }
      for (const [id, entry] of this.entries) {
        if (!keep.has(id)) {
          entry.node.remove();
          this.entries.delete(id);
        }
      }

      const showStart = messages.length === 0 && !chat.started;
      this.startBar.hidden = !showStart;
      this.empty.hidden = !showStart;
      this.composer.hidden = showStart;
      this.renderKeyboard(showStart ? null : chat.keyboard);

      const lastId = messages.length ? messages[messages.length - 1].id : null;
      const isNew = lastId !== this.lastId;
      this.lastId = lastId;
      if (isNew || this.stuck) this.scrollToEnd();
      if (isNew && lastId !== null && state.active !== this.id && NARROW.matches) {
        this.tab.querySelector(".unread").hidden = false;
      }
    }

    renderMessage(message) {
      const fromUser = message.from === "user";
      const bubble = el("div", { class: "bubble" });
      if (message.photo) {
        const image = el("img", {
          class: "photo", src: message.photo, alt: photoAlt(message), "data-testid": "photo",
        });
        image.addEventListener("load", () => { if (this.stuck) this.scrollToEnd(); });
        image.addEventListener("error", () => { image.classList.add("broken"); });
        bubble.append(image);
      }
      if (message.document) {
        bubble.append(el("a", {
          class: "document", href: message.document.url, download: message.document.name || "",
          "data-testid": "document",
        }, el("span", { class: "doc-icon", "aria-hidden": "true", text: "📄" }),
        el("span", { class: "doc-name", text: message.document.name || "document" }),
        el("span", { class: "doc-hint", text: "Download" })));
      }
      if (message.voice && message.audio) {  // the bot's voice message: it plays here
        bubble.append(el("div", { class: "voice", "data-testid": "voice" },
          el("span", { "aria-hidden": "true", text: "🔊" }),
          el("audio", { controls: "", preload: "none", src: message.audio,
                        "data-testid": "audio", "aria-label": "Voice message" })));
      } else if (message.voice) {
        bubble.append(el("div", { class: "voice", "data-testid": "voice" },
          el("span", { "aria-hidden": "true", text: "🎤" }),
          el("span", { class: "wave", "aria-hidden": "true" }),
          el("span", { class: "voice-label", dir: "auto", text: "Voice message" })));
      }
      if (message.sticker) {
        bubble.append(el("div", { class: "sticker", "data-testid": "sticker" },
          el("span", { class: "sticker-face", "aria-hidden": "true", text: "🙂" }),
          el("span", { class: "voice-label", text: "Sticker" })));
      }
      if (message.contact) {
        bubble.append(el("div", { class: "contact", "data-testid": "contact" },
          el("span", { "aria-hidden": "true", text: "👤" }),
          el("span", { class: "visually-hidden", text: "Shared contact: " }),
          el("span", { class: "contact-phone", dir: "ltr", text: message.contact })));
      }
      if (message.html) {
        const text = el("div", { class: "text", dir: "auto", "data-testid": "text" });
        if (fromUser && /^\/start \S+$/.test(message.html)) {
          text.textContent = "/start"; // a deep link's payload, which Telegram does not show
        } else {
          text.innerHTML = message.html; // made safe by the server (Telegram's HTML subset)
        }
        for (const link of text.querySelectorAll("a[href]")) {
          if (isStartLink(link)) {
            // A link into the bot (a family link, an invite): the parent's phone opens it.
            link.removeAttribute("target");
            link.addEventListener("click", (event) => {
              event.preventDefault();
              openStartLink(link, this);
            });
          } else {
            link.target = "_blank";
            link.rel = "noopener noreferrer";
          }
        }
        bubble.append(text);
      }
      bubble.append(el("span", { class: "meta" },
        message.edited ? el("span", { class: "edited", text: "edited" }) : null,
        el("time", { text: clockTime(message.date) })));

      const node = el("li", {
        class: `message ${fromUser ? "from-user" : "from-bot"}`, "data-testid": "message",
        "data-from": fromUser ? "user" : "bot", "data-message-id": message.id,
        "data-edited": message.edited ? "true" : null,
      }, bubble);
      const rows = Array.isArray(message.buttons) ? message.buttons : [];
      if (rows.length) {
        node.append(el("div", { class: "inline-keyboard", "data-testid": "inline-keyboard" },
          ...rows.map((row) => el("div", { class: "row" },
            ...row.map((button) => this.inlineButton(message.id, button))))));
      }
      return node;
    }

    inlineButton(messageId, button) {
      if (button.url) {
        return el("a", {
          class: "inline-button url", href: button.url, target: "_blank",
          rel: "noopener noreferrer", "data-testid": "inline-button",
        }, el("span", { text: button.text }), el("span", {
          class: "url-mark", "aria-hidden": "true", text: "↗",
        }));
      }
      const node = el("button", {
        type: "button", class: "inline-button", "data-testid": "inline-button",
        "data-data": button.data ?? null, disabled: button.data ? null : true, text: button.text,
      });
      node.addEventListener("click", () => this.press(messageId, button.data, node));
      return node;
    }

    renderKeyboard(keyboard) {
      const rows = keyboard && Array.isArray(keyboard.rows) ? keyboard.rows : [];
      const key = JSON.stringify(rows);
      if (key === this.keyboardKey) return;
      this.keyboardKey = key;
      this.keyboard.replaceChildren(...rows.map((row) => el("div", { class: "row" },
        ...row.map((button) => el("button", {
          type: "button", class: `key${button.request_contact ? " contact-key" : ""}`,
          "data-testid": "key", "data-request-contact": button.request_contact ? "true" : null,
          text: button.text,
          onclick: () => (button.request_contact
            ? this.post("contact", {}) : this.send(button.text)),
        })))));
      this.keyboard.hidden = rows.length === 0;
      if (this.stuck) this.scrollToEnd();
    }

    // ---- what the person on this phone does ----

    async post(action, body, busy) {
      if (busy) busy.classList.add("pending");
      try {
        await api("POST", `/api/chats/${this.id}/${action}`, body);
        this.clearError();
        return true;
      } catch (error) {
        this.showError(describe(action, error));
        return false;
      } finally {
        if (busy) busy.classList.remove("pending");
      }
    }

    send(text) {
      const clean = text.trim();
      if (!clean) return Promise.resolve(false);
      return this.post("send", { text: clean });
    }

    async submit() {
      const text = this.input.value;
      if (!text.trim()) return;
      this.input.value = "";
      const sent = await this.send(text);
      if (!sent && !this.input.value) this.input.value = text; // let them try again
    }

    press(messageId, data, node) {
      if (!data) return Promise.resolve(false);
      return this.post("press", { message_id: messageId, data }, node);
    }

    async changeLanguage() {
      const chosen = this.languageSelect.value;
      const before = this.language;
      if (await this.post("language", { language: chosen })) {
        this.language = chosen;
      } else {
        this.languageSelect.value = before;
      }
    }

    showToast(text) {
      this.toast.textContent = text;
      this.toast.hidden = false;
      this.toast.classList.remove("fade");
      clearTimeout(this.toastTimer);
      const shown = Math.min(8000, Math.max(2500, 1500 + 60 * text.length));
      this.toastTimer = setTimeout(() => {
        this.toast.classList.add("fade");
        this.toastTimer = setTimeout(() => { this.toast.hidden = true; }, 400);
      }, shown);
    }

    flash() {
      this.node.classList.remove("flash");
      void this.node.offsetWidth; // restart the animation
      this.node.classList.add("flash");
    }

    showError(text, kind = "action") {
      this.errorKind = kind;
      showMessage(this.error, text);
    }

    clearError() { if (this.errorKind !== "load") this.error.hidden = true; }

    clear() {
      clearTimeout(this.toastTimer);
      this.toast.hidden = true;
      this.error.hidden = true;
    }
  }

  function photoAlt(message) {
    if (message.from === "user") return "Photo you sent";
    // The caption says what the picture is (e.g. the QR code of a family link).
    const caption = document.createElement("template");
    caption.innerHTML = message.html || "";
    const text = caption.content.textContent.replace(/\s+/g, " ").trim();
    if (!text) return "Picture from the bot";
    return `Picture: ${text.length > 120 ? `${text.slice(0, 119)}…` : text}`;
  }

  function isStartLink(link) {
    const url = new URL(link.getAttribute("href"), window.location.href);
    return link.classList.contains("start-link")
      || (url.origin === window.location.origin && url.pathname === "/open");
  }

  /** The parent taps a link into the bot: the server opens it on the parent's phone. */
  async function openStartLink(link, from) {
    let response;
    try {
      response = await fetch(link.href, { cache: "no-store", headers: { Accept: "application/json" } });
    } catch {
      from.showError("Opening the link failed: the sandbox server does not answer");
      return;
    }
    if (!response.ok) {
      let reason = `${response.status} ${response.statusText}`;
      try {
        const data = await response.json();
        if (data && data.error) reason = data.error;
      } catch {
        // not JSON: keep the status
      }
      from.showError(`Opening the link failed: ${reason}`);
      return;
    }
    const parent = [...state.phones.values()].find((phone) => phone.role === "parent");
    if (parent) {
      activate(parent.id);
      parent.flash();
    }
  }

  function describe(action, error) {
    const what = {
      send: "Sending failed", press: "The button did not work", contact: "Sharing failed",
      photo: "The photo was not sent", voice: "The voice note was not sent",
      language: "The language did not change",
    }[action] || "That did not work";
    return `${what}: ${error.message}`;
  }

  // ---- the page --------------------------------------------------------------------------

  function activate(id, focus = false) {
    state.active = id;
    for (const phone of state.phones.values()) {
      const active = phone.id === id;
      phone.node.classList.toggle("active", active);
      phone.tab.setAttribute("aria-selected", String(active));
      phone.tab.tabIndex = active ? 0 : -1;
      if (active) {
        phone.tab.querySelector(".unread").hidden = true;
        if (focus) phone.tab.focus();
        phone.scrollToEnd();
      }
    }
  }

  page.tabs.addEventListener("keydown", (event) => {
    const ids = [...state.phones.keys()];
    const at = ids.indexOf(state.active);
    let next = null;
    if (event.key === "ArrowRight") next = ids[(at + 1) % ids.length];
    else if (event.key === "ArrowLeft") next = ids[(at - 1 + ids.length) % ids.length];
    else if (event.key === "Home") next = ids[0];
    else if (event.key === "End") next = ids[ids.length - 1];
    if (next !== null && next !== undefined) {
      event.preventDefault();
      activate(next, true);
    }
  });

  function buildPhones(phones) {
    for (const phone of state.phones.values()) phone.clear();
    state.phones.clear();
    page.tabs.replaceChildren();
    page.phones.replaceChildren();
    for (const info of phones) {
      const phone = new Phone(info);
      state.phones.set(phone.id, phone);
      page.tabs.append(phone.tab);
      page.phones.append(phone.node);
    }
    const ids = [...state.phones.keys()];
    const fromHash = [...state.phones.values()]
      .find((phone) => `#${phone.role}` === window.location.hash);
    if (fromHash) activate(fromHash.id);
    else activate(ids.includes(state.active) ? state.active : ids[0] ?? null);
  }

  /** Everything again: the phones, then every chat. */
  async function loadAll() {
    const generation = ++state.generation;
    let data;
    try {
      data = await api("GET", "/api/phones");
    } catch (error) {
      if (generation !== state.generation) return;
      showPageError(`Could not load the demo: ${error.message}. Trying again…`);
      setTimeout(() => { if (generation === state.generation) loadAll(); }, 2000);
      return;
    }
    if (generation !== state.generation) return;
    clearPageError();
    if (data.notice) page.notice.textContent = data.notice;
    state.languages = Array.isArray(data.languages) ? data.languages : [];
    const phones = Array.isArray(data.phones) ? data.phones : [];
    const key = JSON.stringify(phones.map((p) => [p.user_id, p.role, p.title]));
    if (key !== state.phonesKey) {
      state.phonesKey = key;
      buildPhones(phones);
    } else {
      for (const info of phones) {
        const phone = state.phones.get(info.user_id);
        phone.clear();
        phone.update(info);
      }
    }
    await Promise.all([...state.phones.values()].map((phone) => phone.refresh()));
    if (generation === state.generation) {
      page.phones.setAttribute("aria-busy", "false");
      document.body.dataset.ready = "true";
    }
  }

  function handleEvent(event) {
    if (!event || typeof event !== "object") return;
    const phone = state.phones.get(event.user_id);
    switch (event.type) {
      case "chat":
        if (phone) phone.refresh();
        break;
      case "toast":
        if (phone && event.text) phone.showToast(String(event.text));
        break;
      case "reset":
        loadAll();
        break;
      case "hello": {
        const tabs = Number(event.tabs) || 1;
        page.tabsNote.textContent = tabs > 1
          ? `${tabs} pages show this demo: what happens in one shows in all.` : "";
        page.tabsNote.hidden = tabs <= 1;
        break;
      }
      default:
        break;
    }
  }

  function setConnection(text) {
    page.connection.textContent = text || "";
    page.connection.hidden = !text;
  }

  function onEventData(message) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    handleEvent(event);
  }

  function connectEvents() {
    if (state.events) state.events.close();
    const source = new EventSource("/api/events");
    state.events = source;
    source.onopen = () => {
      state.retries = 0;
      setConnection(null);
      if (state.lostEvents) {
        state.lostEvents = false;
        loadAll(); // what happened while the stream was down
      }
    };
    source.onmessage = onEventData;
    for (const name of ["chat", "toast", "reset", "hello"]) {
      source.addEventListener(name, onEventData); // in case the server names its events
    }
    source.onerror = () => {
      if (state.events !== source) return;
      state.lostEvents = true;
      setConnection("Connection lost – reconnecting…");
      // Reconnect ourselves, soon at first and then less often (the browser's own retry
      // waits seconds, and gives up for good when the server answers with an error).
      source.close();
      const delay = Math.min(10000, 500 * 2 ** state.retries);
      state.retries += 1;
      setTimeout(() => { if (state.events === source) connectEvents(); }, delay);
    };
  }

  page.reset.addEventListener("click", async () => {
    if (state.resetting) return;
    state.resetting = true;
    const label = page.reset.textContent;
    page.reset.disabled = true;
    page.reset.setAttribute("aria-busy", "true");
    page.reset.textContent = "Resetting…";
    document.body.classList.add("resetting");
    try {
      await api("POST", "/api/reset", {});
      clearPageError();
      await loadAll();
    } catch (error) {
      showPageError(`Starting over failed: ${error.message}`);
    } finally {
      state.resetting = false;
      page.reset.disabled = false;
      page.reset.removeAttribute("aria-busy");
      page.reset.textContent = label;
      document.body.classList.remove("resetting");
    }
  });

  window.addEventListener("hashchange", () => {
    const chosen = [...state.phones.values()]
      .find((phone) => `#${phone.role}` === window.location.hash);
    if (chosen) activate(chosen.id);
  });

  NARROW.addEventListener("change", () => {
    if (state.active !== null) activate(state.active);
  });

  connectEvents();
  loadAll();
})();
