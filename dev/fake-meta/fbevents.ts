// A stand-in for Meta's fbevents.js (https://connect.facebook.net/en_US/fbevents.js) that reports to the
// local /tr endpoint instead of facebook.com. It does what the storefront relies on, no more: takes over
// the base code's queue, `init`/`set`/`consent`, `getState().pixels`, `track`/`trackSingle` and their `…Custom`
// forms (on the wire a custom event is one more `ev` name, as with Meta's) with `eventID`, the `_fbp` cookie
// (set only when absent, in fbevents' format), and one GET /tr per event in fbevents' own parameter names
// (id, ev, eid, dl, rl, ts, cd[...], fbp, fbc) in the query string, as the image pixel sends them.
//
// It works either way round: loaded by the embed after its base code made the `fbq` stub (the usual
// case, and what the demo's browser gets when it asks connect.facebook.net), or loaded before the embed,
// when it defines `fbq` itself and the embed uses it instead of fetching Meta's script.

export function fakeFbeventsJs(trEndpoint: string): string {
  return `(function () {
  "use strict";
  var w = window, d = document, TR = ${JSON.stringify(trEndpoint)};
  var pixels = [], revoked = false;
  function cookie(name) {
    var m = d.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  if (!cookie("_fbp")) {
    d.cookie = "_fbp=fb.1." + Date.now() + "." + Math.floor(Math.random() * 2147483647) + "; path=/; max-age=7776000; SameSite=Lax";
  }
  function send(pixelId, name, data, options) {
    if (revoked) return;
    var q = ["id=" + encodeURIComponent(pixelId), "ev=" + encodeURIComponent(name), "dl=" + encodeURIComponent(location.href),
      "rl=" + encodeURIComponent(d.referrer), "ts=" + Date.now()];
    if (options && options.eventID) q.push("eid=" + encodeURIComponent(options.eventID));
    for (var k in data || {}) {
      var v = data[k];
      q.push("cd[" + encodeURIComponent(k) + "]=" + encodeURIComponent(typeof v === "object" ? JSON.stringify(v) : String(v)));
    }
    if (cookie("_fbp")) q.push("fbp=" + encodeURIComponent(cookie("_fbp")));
    if (cookie("_fbc")) q.push("fbc=" + encodeURIComponent(cookie("_fbc")));
    // A beacon survives the navigation that often follows an event (AddToCart's form post); an image would not.
    if (navigator.sendBeacon && navigator.sendBeacon(TR + "?" + q.join("&"))) return;
    new Image().src = TR + "?" + q.join("&");
  }
  function call(args) {
    var a = Array.prototype.slice.call(args), method = a[0];
    if (method === "init") { if (pixels.indexOf(String(a[1])) < 0) pixels.push(String(a[1])); }
    else if (method === "consent") revoked = a[1] === "revoke";
    else if (method === "track" || method === "trackCustom") pixels.forEach(function (p) { send(p, a[1], a[2], a[3]); });
    else if (method === "trackSingle" || method === "trackSingleCustom") { if (pixels.indexOf(String(a[1])) >= 0) send(String(a[1]), a[2], a[3], a[4]); }
  }
  var f = w.fbq;
  if (!f) {
    f = w.fbq = function () { f.callMethod.apply(f, arguments); };
    if (!w._fbq) w._fbq = f;
    f.push = f; f.loaded = true; f.version = "2.0"; f.queue = [];
  }
  var queued = f.queue || [];
  f.queue = [];
  f.callMethod = function () { call(arguments); };
  // As fbevents.js: the pixels init'ed so far, each once (a repeated init of an ID is ignored).
  f.getState = function () { return { pixels: pixels.map(function (id) { return { id: id }; }) }; };
  queued.forEach(call);
})();`;
}
