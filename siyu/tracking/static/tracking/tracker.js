/* siyu tracker — page views, dwell, products, carts and orders, batched to POST /api/v1/events.
 *
 * No third-party code. Configured by the <script> tag's data- attributes:
 *   data-key        the source's write key (required)
 *   data-endpoint   default "/api/v1/events"
 *   data-share      share code; else taken from the URL (?share= or /s/<code>) and kept for the visit
 *   data-content    content id: the automatic view is then a content_view
 *   data-device     a device id the server already gave this browser (else one is made and kept)
 *   data-customer-kind, data-customer   the visitor's identity when the page knows it
 *
 * Events wait in a queue in localStorage until siyu answers for them, so a failed send, a
 * closed tab or no network loses nothing: they go again, with the same ids, on the next try or
 * the next page (siyu stores an id once). Dwell is visible time only, saved by a heartbeat so a
 * killed page still reports it next time. On hide or unload the queue goes by sendBeacon.
 *
 * window.siyu: track(type, fields), product(code), addToCart(code, qty), removeFromCart(code),
 * orderSubmit(ref, amountFen), orderPaid(ref, amountFen), identify(kind, value), flush().
 */
(function (w, d) {
  "use strict";
  var script = d.currentScript;
  var cfg = (script && script.dataset) || {};
  if (!cfg.key || w.siyu) return;
  var endpoint = cfg.endpoint || "/api/v1/events";
  var QUEUE = "siyu.queue", OPEN = "siyu.open", DEVICE = "siyu.device", WHO = "siyu.who";
  var SHARE = "siyu.share";
  var MAX_QUEUE = 2000, BATCH = 100, FLUSH_MS = 1500, HEARTBEAT_MS = 5000, MAX_BACKOFF = 60000;
  var memory = {};

  function load(area, name, fallback) {
    try {
      var raw = w[area].getItem(name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return name in memory ? memory[name] : fallback; // storage off (private mode): this page only
    }
  }
  function save(area, name, value) {
    try {
      if (value === null) w[area].removeItem(name);
      else w[area].setItem(name, JSON.stringify(value));
    } catch (e) {
      memory[name] = value;
    }
  }

  // Time-ordered ids: milliseconds (base 36, fixed width) first, then randomness; siyu's index
  // then grows at its end, and ids sort by when they were made.
  var ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
  function newId() {
    var time = Date.now().toString(36);
    while (time.length < 9) time = "0" + time;
    var bytes = new Uint8Array(12);
    (w.crypto || w.msCrypto).getRandomValues(bytes);
    var tail = "";
    for (var i = 0; i < bytes.length; i++) tail += ALPHABET[bytes[i] % 36];
    return time + tail;
  }

  function shareFromUrl() {
    var query = /[?&]share=([0-9A-Za-z_-]{1,16})/.exec(w.location.search);
    if (query) return query[1];
    var path = /^\/s\/([0-9A-Za-z_-]{1,16})/.exec(w.location.pathname);
    return path ? path[1] : "";
  }
  var share = cfg.share || shareFromUrl() || load("sessionStorage", SHARE, "");
  if (share) save("sessionStorage", SHARE, share); // the visit keeps its attribution

  var device = cfg.device || load("localStorage", DEVICE, "") || newId();
  save("localStorage", DEVICE, device);
  var who = cfg.customer ? { kind: cfg.customerKind || "unionid", value: cfg.customer } : load("localStorage", WHO, null);
  if (who) save("localStorage", WHO, who);
  var contentId = cfg.content ? parseInt(cfg.content, 10) : null;

  function event(type, fields) {
    var e = { id: newId(), type: type, occurred_at: Date.now(), device_id: device, page: w.location.pathname.slice(0, 200) };
    if (who) e.customer = who;
    if (share) e.share = share;
    if (contentId) e.content_id = contentId;
    for (var name in fields || {}) e[name] = fields[name];
    return e;
  }

  function enqueue(e) {
    var queue = load("localStorage", QUEUE, []);
    queue.push(e);
    if (queue.length > MAX_QUEUE) {
      w.console && console.warn("siyu tracker: queue full, oldest events dropped", queue.length - MAX_QUEUE);
      queue = queue.slice(queue.length - MAX_QUEUE);
    }
    save("localStorage", QUEUE, queue);
    schedule(FLUSH_MS);
  }

  function forget(ids) {
    var done = {};
    for (var i = 0; i < ids.length; i++) done[ids[i]] = true;
    save("localStorage", QUEUE, load("localStorage", QUEUE, []).filter(function (e) { return !done[e.id]; }));
  }

  var timer = null, sending = false, backoff = 1000;
  function schedule(ms) {
    if (timer === null) timer = w.setTimeout(function () { timer = null; flush(); }, ms);
  }

  function flush() {
    var batch = load("localStorage", QUEUE, []).slice(0, BATCH);
    if (sending || !batch.length || !w.fetch) return Promise.resolve();
    sending = true;
    var ids = batch.map(function (e) { return e.id; });
    return w.fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Siyu-Write-Key": cfg.key },
      body: JSON.stringify({ events: batch }),
      keepalive: true,
      credentials: "omit"
    }).then(function (response) {
      sending = false;
      if (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 401)) {
        // Answered for: stored, already stored, or refused for good (the reason is logged).
        if (!response.ok) w.console && console.warn("siyu tracker: batch refused", response.status);
        return response.json().catch(function () { return {}; }).then(function (body) {
          (body.rejected || []).forEach(function (r) { w.console && console.warn("siyu tracker: event refused", r.id, r.reason); });
          forget(ids);
          backoff = 1000;
          if (load("localStorage", QUEUE, []).length) schedule(0);
        });
      }
      retry(parseInt(response.headers.get("Retry-After") || "0", 10) * 1000);
    }, function () {
      sending = false;
      retry(0); // offline: the queue waits
    });
  }

  function retry(after) {
    schedule(Math.max(after, backoff));
    backoff = Math.min(backoff * 2, MAX_BACKOFF);
  }

  function beacon() {
    var batch = load("localStorage", QUEUE, []).slice(0, BATCH);
    if (!batch.length || !navigator.sendBeacon) return;
    // sendBeacon cannot set headers: the key rides in the query string. The events stay queued
    // until a fetch is answered for them; a resend is stored once.
    navigator.sendBeacon(endpoint + "?write_key=" + encodeURIComponent(cfg.key), JSON.stringify({ events: batch }));
  }

  // -- dwell: visible time per visible stretch, one view_end each -----------------------------
  var stretch = null;
  function begin() {
    if (stretch === null && d.visibilityState === "visible") stretch = { id: newId(), from: Date.now() };
  }
  function heartbeat() {
    if (stretch === null) return;
    save("localStorage", OPEN, event("view_end", { id: stretch.id, dwell_ms: Date.now() - stretch.from }));
  }
  function end() {
    if (stretch === null) return;
    enqueue(event("view_end", { id: stretch.id, dwell_ms: Date.now() - stretch.from }));
    save("localStorage", OPEN, null);
    stretch = null;
  }
  var left = load("localStorage", OPEN, null); // a page killed before it could say goodbye
  if (left) {
    enqueue(left);
    save("localStorage", OPEN, null);
  }

  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState === "hidden") {
      end();
      beacon();
    } else {
      begin();
    }
  });
  w.addEventListener("pagehide", function () { end(); beacon(); });
  w.addEventListener("online", function () { backoff = 1000; schedule(0); });
  w.setInterval(heartbeat, HEARTBEAT_MS);

  w.siyu = {
    track: function (type, fields) { enqueue(event(type, fields)); },
    product: function (code) { enqueue(event("product_view", { product: String(code) })); },
    addToCart: function (code, qty) { enqueue(event("add_to_cart", { product: String(code), properties: { qty: qty || 1 } })); },
    removeFromCart: function (code) { enqueue(event("remove_from_cart", { product: String(code) })); },
    orderSubmit: function (ref, amountFen) { enqueue(event("order_submit", { order: String(ref), amount_fen: amountFen || 0 })); },
    orderPaid: function (ref, amountFen) { enqueue(event("order_paid", { order: String(ref), amount_fen: amountFen || 0 })); },
    identify: function (kind, value) { who = { kind: kind, value: String(value) }; save("localStorage", WHO, who); },
    flush: flush
  };

  enqueue(event(contentId ? "content_view" : "page_view"));
  begin();
})(window, document);
