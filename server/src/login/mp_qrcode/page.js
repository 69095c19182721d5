// The mini-program code page: one ticket at a time, followed by Server-Sent Events, or by
// polling when the stream breaks.
(function () {
  var cfg = JSON.parse(document.getElementById('mp-config').textContent);
  function $(id) { return document.querySelector('[data-testid="' + id + '"]'); }
  // The strings come from the server's text catalogue, in the page's language.
  var T = cfg.texts;
  var img = $('mp-code'), statusEl = $('mp-status'), refresh = $('mp-refresh'), error = $('mp-error');
  var errorText = $('mp-error-text'), retry = $('mp-retry'), phone = $('mp-sandbox-phone');
  refresh.textContent = T.refresh; retry.textContent = T.retry;
  var ticket = null, stream = null, poller = null, finishing = false, retryAction = null;
  var FINAL = { confirmed: 1, cancelled: 1, expired: 1, failed: 1, used: 1 };

  function stop() {
    if (stream) { stream.close(); stream = null; }
    if (poller) { clearInterval(poller); poller = null; }
  }
  function showError(text, again) {
    img.hidden = true; error.hidden = false; errorText.textContent = text; retryAction = again;
  }
  retry.onclick = function () { error.hidden = true; if (retryAction) retryAction(); };
  function show(s) {
    var status = s.status;
    if (statusEl.getAttribute('data-status') === status) return;
    statusEl.setAttribute('data-status', status);
    statusEl.textContent = status === 'failed' ? (T.failed[s.reason] || T.failed.other) : (T[status] || status);
    refresh.hidden = !FINAL[status] || status === 'confirmed';
    if (FINAL[status]) { stop(); if (status !== 'confirmed') img.style.opacity = '0.25'; }
    if (status === 'confirmed') finish();
  }
  function finish() {
    if (finishing) return;
    finishing = true;
    var form = document.createElement('form');
    form.method = 'post'; form.action = ticket.finish_url;
    document.body.appendChild(form);
    form.submit();
  }
  function poll() {
    if (poller) return;
    poller = setInterval(function () {
      fetch(ticket.status_url, { credentials: 'same-origin' }).then(function (r) {
        return r.ok ? r.json().then(show) : null;
      }).catch(function () {});
    }, 2000);
  }
  function follow() {
    if (!window.EventSource) { poll(); return; }
    stream = new EventSource(ticket.events_url);
    stream.addEventListener('status', function (e) { show(JSON.parse(e.data)); });
    // A stream that breaks before the end: keep following by polling.
    stream.onerror = function () {
      if (stream) { stream.close(); stream = null; }
      if (!FINAL[statusEl.getAttribute('data-status')]) poll();
    };
  }
  function loadImage() {
    fetch(ticket.image_url).then(function (r) {
      if (r.ok) return r.blob().then(function (b) { img.src = URL.createObjectURL(b); img.hidden = false; img.style.opacity = '1'; });
      return r.json().then(function (j) { showError(j.error.message, loadImage); });
    }).catch(function () { showError(T.network, loadImage); });
  }
  function newTicket() {
    stop();
    error.hidden = true; refresh.hidden = true; img.hidden = true;
    statusEl.setAttribute('data-status', ''); statusEl.textContent = '';
    fetch('/api/v1/login/mp-qrcode', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ request: cfg.request, source: cfg.source })
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { showError(j.error.message, newTicket); return; }
        ticket = j;
        show({ status: 'waiting' });
        if (j.sandbox_scan_url) { phone.href = j.sandbox_scan_url; phone.hidden = false; }
        loadImage();
        follow();
      });
    }).catch(function () { showError(T.network, newTicket); });
  }
  refresh.onclick = newTicket;
  newTicket();
  document.body.setAttribute('data-ready', 'true');
})();
