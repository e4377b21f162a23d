// A stand-in for App Bridge (https://cdn.shopify.com/shopifycloud/app-bridge.js), for opening the embedded
// admin outside the Shopify admin: the real script talks to the admin frame around the app and cannot
// load without it. This one does what the app needs from it: adds the session token to the app's own
// fetches, answers idToken(), shows toasts, follows the session-token bounce page, and draws the title bar
// (and, for people browsing, the nav menu) and the contextual save bar where the admin would. Used by the admin browser tests and by
// the local demo's admin (scripts/lib/demo/admin-server.ts).

/** A desktop Chrome user agent: the library answers self-declared bots ("HeadlessChrome") with 410. */
export const MERCHANT_USER_AGENT =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

export type AppBridgeStubOptions =
  /** One token for the page's life (tests: it outlives the test). */
  | { sessionToken: string; showNav?: boolean }
  /** A same-origin URL answering a freshly signed token as text (session tokens expire after a minute). */
  | { tokenUrl: string; showNav?: boolean };

export function appBridgeStub(opts: AppBridgeStubOptions): string {
  const fixed = "sessionToken" in opts ? opts.sessionToken : null;
  const tokenUrl = "tokenUrl" in opts ? opts.tokenUrl : null;
  return `(() => {
  const fixed = ${JSON.stringify(fixed)};
  const tokenUrl = ${JSON.stringify(tokenUrl)};
  const realFetch = window.fetch.bind(window);
  const idToken = async () => {
    if (fixed !== null) return fixed;
    const response = await realFetch(tokenUrl, { cache: "no-store" });
    if (!response.ok) throw new Error("no session token: " + response.status);
    return (await response.text()).trim();
  };
  // Shopify's bounce page (/auth/session-token?shopify-reload=…): reload the app with a fresh token.
  const reload = new URLSearchParams(location.search).get("shopify-reload");
  if (reload) {
    idToken().then((token) => {
      const next = new URL(reload, location.href);
      if (next.origin !== location.origin) return;
      next.searchParams.set("id_token", token);
      location.replace(next.href);
    });
  }
  // Like App Bridge: every fetch to the app's own origin carries the session token.
  window.fetch = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url, location.href).origin !== location.origin || (tokenUrl && request.url.endsWith(tokenUrl))) return realFetch(request);
    const headers = new Headers(request.headers);
    headers.set("Authorization", "Bearer " + (await idToken()));
    return realFetch(new Request(request, { headers }));
  };
  window.__toasts = [];
  window.shopify = {
    config: { apiKey: document.currentScript && document.currentScript.dataset.apiKey },
    idToken,
    loading: () => {},
    toast: {
      show(message) {
        window.__toasts.push(message);
        const el = document.createElement("div");
        el.setAttribute("role", "status");
        el.setAttribute("data-fake-admin-toast", "");
        el.textContent = message;
        el.style.cssText = "position:fixed;bottom:24px;left:50%;transform:translateX(-50%);background:#303030;color:#fff;padding:10px 16px;border-radius:10px;font:500 13px Inter,sans-serif;z-index:1000";
        document.body.appendChild(el);
        setTimeout(() => el.remove(), 2500);
      },
    },
  };
  // App Bridge moves these into the admin's own chrome. Here the title bar is drawn as a fixed bar above
  // the page, where the admin shows it, so screenshots show which page this is; the nav is hidden, or
  // (showNav) shown as links at the right of that bar, for someone browsing the app on its own.
  const showNav = ${JSON.stringify(opts.showNav === true)};
  customElements.define("ui-nav-menu", class extends HTMLElement {
    connectedCallback() {
      if (!showNav) { this.style.display = "none"; return; }
      // The admin's top bar, under the title bar (which may be absent: a page with a back arrow has none).
      if (!document.getElementById("fake-admin-chrome")) {
        const chrome = document.createElement("div");
        chrome.id = "fake-admin-chrome";
        chrome.style.cssText = "position:fixed;top:0;left:0;right:0;height:48px;background:#fff;border-bottom:1px solid #e3e3e3;z-index:399";
        document.body.appendChild(chrome);
      }
      document.body.style.paddingTop = "48px";
      this.style.cssText = "position:fixed;top:0;right:0;height:47px;padding:0 20px;background:#fff;display:flex;gap:20px;align-items:center;z-index:401;font:550 13px Inter,-apple-system,sans-serif";
      for (const a of this.querySelectorAll("a")) a.style.cssText = "color:#303030;text-decoration:none";
    }
  });
  // The contextual save bar: while shown, the admin draws "Unsaved changes" with Save and Discard over its
  // top bar; clicking them clicks the element's own buttons (variant="primary" is Save, the other Discard),
  // whose label, disabled and loading state they mirror.
  customElements.define("ui-save-bar", class extends HTMLElement {
    connectedCallback() {
      // Only the buttons' changes: render() itself restyles this element, which would otherwise loop.
      this.observer = new MutationObserver((records) => { if (records.some((r) => r.target !== this || r.type !== "attributes")) this.render(); });
      this.observer.observe(this, { subtree: true, childList: true, characterData: true, attributes: true });
      this.render();
    }
    disconnectedCallback() {
      this.observer.disconnect();
      if (this.open) { this.open = false; this.dispatchEvent(new Event("hide")); }
    }
    get showing() { return this.open === true; }
    async show() { if (!this.open) { this.open = true; this.render(); this.dispatchEvent(new Event("show")); } }
    async hide() { if (this.open) { this.open = false; this.render(); this.dispatchEvent(new Event("hide")); } }
    async toggle() { return this.open ? this.hide() : this.show(); }
    render() {
      // A shadow root with no slot: the app's own buttons stay in the page, unseen, as App Bridge leaves them.
      const root = this.shadowRoot || this.attachShadow({ mode: "open" });
      if (!this.open) { this.style.display = "none"; root.replaceChildren(); return; }
      this.setAttribute("data-fake-save-bar", "");
      this.style.cssText = "display:flex;position:fixed;top:0;left:0;right:0;height:47px;z-index:500;align-items:center;gap:8px;padding:0 20px;background:#1a1a1a;font:550 13px Inter,-apple-system,sans-serif";
      const title = document.createElement("span");
      title.textContent = "Unsaved changes";
      title.style.cssText = "color:#fff;margin-right:auto";
      const buttons = [...this.querySelectorAll("button")];
      const discard = buttons.find((b) => b.getAttribute("variant") !== "primary");
      const save = buttons.find((b) => b.getAttribute("variant") === "primary");
      const proxies = [[discard, "Discard"], [save, "Save"]].filter(([own]) => own).map(([own, fallback]) => {
        const button = document.createElement("button");
        const loading = own.hasAttribute("loading");
        button.textContent = own.textContent.trim() || fallback;
        button.disabled = own.disabled || loading;
        if (loading) button.setAttribute("aria-busy", "true");
        const primary = own === save;
        button.style.cssText = "border:0;border-radius:8px;padding:6px 12px;font:inherit;cursor:pointer;" + (primary ? "background:#fff;color:#303030" : "background:#404040;color:#fff") + (button.disabled ? ";opacity:.6" : "");
        button.addEventListener("click", () => own.click());
        return button;
      });
      root.replaceChildren(title, ...proxies);
    }
  });
  customElements.define("ui-title-bar", class extends HTMLElement {
    static get observedAttributes() { return ["title"]; }
    connectedCallback() { this.render(); }
    disconnectedCallback() { if (!showNav) document.body.style.paddingTop = ""; }
    attributeChangedCallback() { this.render(); }
    render() {
      // In a shadow root: React owns the element's children and would see light-DOM text as a mismatch.
      const root = this.shadowRoot || this.attachShadow({ mode: "open" });
      const bar = document.createElement("div");
      bar.style.cssText = "background:#fff;border-bottom:1px solid #e3e3e3;padding:12px 20px;font:650 15px Inter,-apple-system,sans-serif;color:#303030";
      bar.textContent = this.getAttribute("title") || "";
      root.replaceChildren(bar);
      this.style.cssText = "display:block;position:fixed;top:0;left:0;right:0;z-index:400";
      document.body.style.paddingTop = "48px";
    }
  });
})();`;
}
