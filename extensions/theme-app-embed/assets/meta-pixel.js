/* Meta Pixel + a server copy of each event via the app proxy (docs/browser-side.md). ES2017 as written; never logs or throws. */
(function () {
  "use strict";
  var w = window, d = document;
  if (w.__metaCapiPixel) return; // embed rendered twice
  w.__metaCapiPixel = 1;

  var FBC = /^fb\.\d\.\d+\.[\w.-]+$/;
  var EVENTS = ["PageView", "ViewContent", "AddToCart"];
  var t0 = Date.now(); // fbc's timestamp
  var noop = function () {};
  var fe = w.fetch;
  var c, pid, fbq, state = "", run = 0, loaded = 0, hc = 0;
  var cur = {}, timer, busy = 0, again = 0;
  var proxy, customs, queue = [], ft, early = [], dup = 0, inits = 0, K;

  function wants(name) {
    return (Array.isArray(c.events) ? c.events : EVENTS).indexOf(name) >= 0;
  }

  // No crypto, no event (never a guessable ID).
  function newId() {
    var cr = w.crypto, a = new Uint8Array(16), s = "sf_", i;
    if (!cr || !cr.getRandomValues) return "";
    cr.getRandomValues(a);
    for (i = 0; i < 16; i++) s += (a[i] + 256).toString(16).slice(1);
    return s;
  }

  function cookie(name) {
    try {
      var m = d.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)")), v = m ? decodeURIComponent(m[1]) : "";
      return FBC.test(v) ? v : "";
    } catch (e) { return ""; }
  }

  // Never rebuilt for the same click: a new timestamp reads as a new click.
  function setFbc() {
    var id = new URLSearchParams(location.search).get("fbclid"), m;
    if (!id || !/^[\w.-]{1,500}$/.test(id)) return;
    m = /^fb\.\d\.\d+\.(.+)$/.exec(cookie("_fbc"));
    if (m && (m[1] === id || m[1].indexOf(id + ".") === 0)) return;
    d.cookie = "_fbc=fb.1." + t0 + "." + id + "; path=/; max-age=7776000; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }

  // Cart attributes reach the server Purchase (note_attributes).
  function wanted() {
    if (state === "denied") return { _fbp: "", _fbc: "", _mc_consent: "denied" };
    if (state !== "granted") return {};
    var o = { _mc_consent: "granted" }, p = cookie("_fbp"), f = cookie("_fbc");
    if (p) o._fbp = p;
    if (f) o._fbc = f;
    return o;
  }

  // Only with a cart, only what changed.
  function sync() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (!hc || !fe) return;
      if (busy) { again = 1; return; }
      var want = wanted(), diff = {}, n = 0, k, r = w.Shopify && w.Shopify.routes && w.Shopify.routes.root;
      for (k in want) if ((cur[k] || "") !== want[k]) { diff[k] = want[k]; n++; }
      if (!n) return;
      busy = 1;
      try {
        fe.call(w, (/^\//.test(r) ? r : "/") + "cart/update.js", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ attributes: diff })
        }).then(function (res) {
          if (res.ok) for (k in diff) cur[k] = diff[k];
        }).catch(noop).then(function () {
          busy = 0;
          if (again) { again = 0; sync(); }
        });
      } catch (e) { busy = 0; }
    }, 30);
  }

  function track(name, data, custom) {
    if (state !== "granted" || !fbq || !(custom || wants(name))) return "";
    var id = newId();
    if (!id) return "";
    fbq(custom ? "trackSingleCustom" : "trackSingle", pid, name, data, { eventID: id });
    queue.push({ event_name: name, event_id: id, event_time: Math.floor(Date.now() / 1000), event_source_url: location.href, custom_data: data });
    queue.length >= 20 ? flush() : ft || (ft = setTimeout(flush, 300));
    return id;
  }

  // The proxy strips cookies: _fbp/_fbc (set late) go in the body. No retry.
  function flush() {
    clearTimeout(ft);
    ft = 0;
    var p = cookie("_fbp"), f = cookie("_fbc");
    queue.forEach(function (e) { if (p) e.fbp = p; if (f) e.fbc = f; });
    while (queue.length) {
      try {
        navigator.sendBeacon(proxy, new Blob([JSON.stringify({ events: queue.splice(0, 20), diagnostics: dup == 1 && (dup = 2) ? { duplicatePixel: true } : void 0 })], { type: "text/plain" }));
      } catch (e) {}
    }
  }

  // Another script inits our pixel (double counting): told to the app once a session.
  function dupe(a) {
    if (a[0] == "init" && a[1] == pid && inits++ && !dup) try { dup = sessionStorage.mcDup ? 2 : 1; sessionStorage.mcDup = 1; } catch (e) {}
  }

  // Bad input sends nothing, to either copy.
  function custom(name, data) {
    var o = {}, k, v;
    try {
      if (typeof name !== "string" || name.length > 50 || customs.indexOf(name) < 0) return "";
      for (k in data) if ((v = data[k]) != null) {
        if (typeof v === "string" ? v.length > 500 : typeof v === "number" ? !isFinite(v) : typeof v !== "boolean") return "";
        o[k] = v;
      }
      if ("value" in o) {
        if (!/^\d+(\.\d+)?$/.test(o.value)) return "";
        o.value = +o.value;
        o.currency = String(o.currency || c.currency).toUpperCase();
      }
      if ("currency" in o && !/^[A-Z]{3}$/.test(o.currency)) return "";
      if (!run) { if (state !== "denied" && early.length < 20) early.push([name, o]); return ""; }
      return track(name, o, 1);
    } catch (e) { return ""; }
  }

  // Catalog item ID (app/lib/capi/catalog-ids.ts); "" when the item lacks one.
  function cid(p, v) {
    var s = K.t.replace("{p}", p).replace("{v}", v);
    return /^(shopify_[A-Z]{2}_)?\d+(_\d+)?$/.test(s) ? s : "";
  }

  // Cart-shaped items (price in cents, 50 at most) as custom data; 0 if none has an ID.
  function goods(items) {
    var ids = [], cs = [], cents = 0, d;
    items.forEach(function (it) {
      var id = cid(it.product_id, it.variant_id), q = +it.quantity || 1;
      if (!id || cs.length > 49) return;
      if (ids.indexOf(id) < 0) ids.push(id);
      cs.push({ id: id, quantity: q });
      cents = typeof it.price === "number" && cents >= 0 ? cents + it.price * q : -1;
    });
    if (!ids.length) return 0;
    d = { content_ids: ids, content_type: K.ct, contents: cs };
    if (cents >= 0 && /^[A-Z]{3}$/.test(c.currency)) {
      d.value = Math.round(cents) / 100;
      d.currency = c.currency;
    }
    return d;
  }

  // Meta's base code; no PageView, autoConfig or push-state PageViews: no events without IDs.
  function loadPixel() {
    fbq = w.fbq;
    if (fbq) {
      // Another base code came first: its init is queued or in fbevents' state.
      loaded = inits = 1;
      try { (fbq.queue || []).forEach(dupe); fbq.getState().pixels.forEach(function (x) { dupe(["init", x.id]); }); } catch (e) {}
    } else {
      fbq = w.fbq = function () {
        dupe(arguments);
        fbq.callMethod ? fbq.callMethod.apply(fbq, arguments) : fbq.queue.push(arguments);
      };
      if (!w._fbq) w._fbq = fbq;
      fbq.push = fbq;
      fbq.loaded = !0;
      fbq.version = "2.0";
      fbq.queue = [];
      fbq.disablePushState = !0;
      var s = d.createElement("script");
      s.async = !0;
      s.src = "https://connect.facebook.net/en_US/fbevents.js";
      s.onload = s.onerror = function () { loaded = 1; sync(); };
      (d.head || d.documentElement).appendChild(s);
    }
    fbq("set", "autoConfig", false, pid);
    if (c.ldu === true) fbq("dataProcessingOptions", ["LDU"], 0, 0);
    // Advanced matching: the Liquid's SHA-256 hashes only.
    var ud = {}, H = /^[\da-f]{64}$/;
    H.test(c.em) && (ud.em = c.em);
    H.test(c.xid) && (ud.external_id = c.xid);
    fbq("init", pid, ud);
  }

  function grant() {
    state = "granted";
    if (run) { fbq && fbq("consent", "grant"); sync(); return; }
    run = 1;
    setFbc();
    var pixel = EVENTS.some(wants) || customs.length > 0, p = c.product && goods([c.product]);
    if (pixel) loadPixel();
    track("PageView", {});
    if (p) track("ViewContent", p);
    early.splice(0).forEach(function (a) { track(a[0], a[1], 1); });
    if (!pixel || loaded) sync(); // else once fbevents.js set _fbp
  }

  function deny() {
    if (run && fbq) fbq("consent", "revoke");
    state = "denied";
    queue = [];
    early = [];
    sync();
  }

  function added(items) {
    hc = 1;
    track("AddToCart", goods(items) || {});
    sync();
  }

  function onAddJson(j) {
    if (j && typeof j === "object") added(Array.isArray(j.items) ? j.items : [j]);
  }

  function isAdd(u) {
    try {
      var url = new URL(String(u && u.url || u), location.href);
      return url.origin === location.origin && /\/cart\/add(\.js|\.json)?\/?$/.test(url.pathname);
    } catch (e) { return false; }
  }

  function hookCart() {
    if (fe) {
      w.fetch = function (input) {
        var p = fe.apply(w, arguments);
        try {
          if (isAdd(input)) p.then(function (r) { if (r.ok) return r.clone().json().then(onAddJson); }).catch(noop);
        } catch (e) {}
        return p;
      };
    }
    var X = w.XMLHttpRequest && XMLHttpRequest.prototype, open = X && X.open, send = X && X.send;
    if (X) {
      X.open = function (m, u) {
        try { this.__mcAdd = isAdd(u); } catch (e) {}
        return open.apply(this, arguments);
      };
      X.send = function () {
        var x = this;
        if (x.__mcAdd) x.addEventListener("load", function () {
          try {
            if (x.status >= 200 && x.status < 300) onAddJson(x.responseType === "json" ? x.response : JSON.parse(x.responseText));
          } catch (e) {}
        });
        return send.apply(this, arguments);
      };
    }
    // A plain form post (after the theme's handlers: a prevented one adds by fetch/XHR).
    w.addEventListener("submit", function (e) {
      try {
        var f = e.target, fd, vid, p = c.product, v = null;
        if (e.defaultPrevented || !isAdd(f.getAttribute("action") || "")) return;
        fd = new FormData(f);
        vid = String(fd.get("id"));
        (p && p.variants || []).forEach(function (x) { if (x[0] === vid) v = x; });
        added(v ? [{ product_id: p.product_id, variant_id: vid, quantity: +fd.get("quantity") || 1, price: v[1] }] : []);
      } catch (err) {}
    });
  }

  // Nothing before the Customer Privacy API allows marketing ("strict": an explicit yes).
  function consent() {
    var S = w.Shopify;
    if (!S || typeof S.loadFeatures !== "function") return;
    S.loadFeatures([{ name: "consent-tracking-api", version: "0.1" }], function (err) {
      var cp = S.customerPrivacy;
      if (err || !cp) return;
      function check() {
        try {
          var v = typeof cp.currentVisitorConsent === "function" && cp.currentVisitorConsent() || {};
          var ok = c.consentMode === "strict" ? v.marketing === "yes"
            : cp.marketingAllowed() && !(typeof cp.saleOfDataAllowed === "function" && cp.saleOfDataAllowed() === false);
          if (ok) { if (state !== "granted") grant(); }
          else if ((v.marketing === "no" || v.sale_of_data === "no") && state !== "denied") deny();
        } catch (e) {}
      }
      check();
      d.addEventListener("visitorConsentCollected", check);
    });
  }

  function boot() {
    try {
      var el = d.getElementById("meta-capi-pixel-config"), a;
      c = el && JSON.parse(el.textContent);
      if (!c || typeof c.pixelId !== "string" || !/^\d{5,20}$/.test(c.pixelId)) return;
      pid = c.pixelId;
      customs = Array.isArray(c.customEvents) ? c.customEvents : [];
      K = c.catalog && typeof c.catalog.t == "string" ? c.catalog : { t: "" };
      proxy = (/^\/\w[\w/.-]*$/.test(c.proxy) ? c.proxy : "/apps/meta-capi").replace(/\/$/, "") + "/events";
      a = c.cart && c.cart.attributes || {};
      ["_fbp", "_fbc", "_mc_consent"].forEach(function (k) { cur[k] = typeof a[k] === "string" ? a[k] : ""; });
      hc = c.cart && c.cart.items > 0 ? 1 : 0;
      hookCart();
      // Calls made before we loaded wait in the stub's q.
      a = w.metaCapi;
      w.metaCapi = { track: custom };
      if (a && Array.isArray(a.q)) a.q.forEach(function (x) { custom(x[0], x[1]); });
      // Capturing: sees clicks that stop propagation.
      d.addEventListener("click", function (e) {
        var el = e.target && e.target.closest && e.target.closest("[data-meta-event]"), g = el && el.getAttribute.bind(el);
        if (g) custom(g("data-meta-event"), { value: g("data-meta-value"), currency: g("data-meta-currency") });
      }, true);
      w.addEventListener("pagehide", flush);
      d.addEventListener("visibilitychange", function () { if (d.visibilityState === "hidden") flush(); });
      consent();
    } catch (e) {}
  }

  // Async: the config may not be parsed yet.
  if (d.readyState === "loading" && !d.getElementById("meta-capi-pixel-config")) d.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
