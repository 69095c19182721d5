// The mini-program code page: one ticket at a time, followed by Server-Sent Events, or by
// polling when the stream breaks.
(function () {
  var cfg = JSON.parse(document.getElementById('mp-config').textContent);
  function $(id) { return document.querySelector('[data-testid="' + id + '"]'); }
  var T = cfg.zh ? {
    waiting: '请使用微信扫描小程序码', scanned: '已扫码，请在手机上确认', confirmed: '已确认，正在登录…',
    cancelled: '已在手机上取消登录', expired: '小程序码已过期', used: '此小程序码已使用', refresh: '刷新小程序码',
    retry: '重试', network: '无法连接大同，请检查网络后重试',
    failed: { invalid_code: '微信未接受手机上的登录', foreign_code: '授权来自其他小程序', wechat_busy: '微信繁忙，请刷新小程序码后重试',
      login_only: '此登录方式仅限已有账号', ask_to_bind: '请先绑定已有账号', blocked: '微信拦截了此次登录', other: '登录未成功，请刷新小程序码后重试' }
  } : {
    waiting: 'Scan the code with WeChat', scanned: 'Scanned on the phone. Confirm there.', confirmed: 'Confirmed. Signing you in…',
    cancelled: 'The login was cancelled on the phone.', expired: 'The code has expired.', used: 'This code was already used.', refresh: 'Refresh code',
    retry: 'Try again', network: 'Datong cannot be reached. Check the connection and try again.',
    failed: { invalid_code: 'WeChat did not accept the login from the phone.', foreign_code: 'The authorization came from another mini program.',
      wechat_busy: 'WeChat is busy. Refresh the code and try again.', login_only: 'Only existing accounts may log in this way.',
      ask_to_bind: 'Bind an existing account first.', blocked: 'WeChat blocked this login.', other: 'The login did not succeed. Refresh the code and try again.' }
  };
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
