// The sandbox console: renders the world from the admin API and sends the knobs.
(function () {
  var api = '/sandbox/wechat/admin/api/';
  var message = document.getElementById('message');
  function call(method, path, body) {
    message.textContent = '';
    return fetch(api + path, {
      method: method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { message.textContent = (j.error && j.error.message) || 'failed'; throw j; }
        return j;
      });
    });
  }
  function el(tag, text) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }
  function table(target, heads, rows) {
    var t = el('table'), tr = el('tr');
    heads.forEach(function (h) { tr.appendChild(el('th', h)); });
    t.appendChild(tr);
    rows.forEach(function (cells) {
      var r = el('tr');
      cells.forEach(function (c) { var td = el('td'); if (c instanceof Node) td.appendChild(c); else td.textContent = c; r.appendChild(td); });
      t.appendChild(r);
    });
    target.innerHTML = ''; target.appendChild(t);
  }
  function render(s) {
    table(document.getElementById('accounts'), ['id', 'name'], s.accounts.map(function (a) { return [String(a.id), a.name]; }));
    table(document.getElementById('apps'), ['appid', 'name', 'kind', 'subject', 'callback domain', 'mini-program server_url', 'AppSecret', 'token refreshes'], s.apps.map(function (a) {
      var sel = el('select');
      var none = el('option', '(none: no unionid)'); none.value = ''; sel.appendChild(none);
      s.accounts.forEach(function (acc) { var o = el('option', acc.name); o.value = acc.id; sel.appendChild(o); });
      sel.value = a.account_id === null ? '' : String(a.account_id);
      sel.onchange = function () { call('PATCH', 'apps/' + a.appid, { account_id: sel.value === '' ? null : parseInt(sel.value, 10) }).then(load); };
      var dom = el('input'); dom.value = a.redirect_domain || ''; dom.placeholder = 'any';
      dom.onchange = function () { call('PATCH', 'apps/' + a.appid, { redirect_domain: dom.value || null }).then(load); };
      var srv = el('input'); srv.value = a.server_url || ''; srv.placeholder = 'none';
      srv.onchange = function () { call('PATCH', 'apps/' + a.appid, { server_url: srv.value || null }).then(load); };
      var sec = el('input'); sec.type = 'password'; sec.placeholder = a.has_secret ? 'set (replace)' : 'not set yet';
      sec.onchange = function () { if (sec.value) call('PATCH', 'apps/' + a.appid, { secret: sec.value }).then(load); };
      return [a.appid, a.name, a.kind, sel, dom, srv, sec, String(s.token_issues[a.appid] || 0)];
    }));
    table(document.getElementById('personas'), ['id', 'nickname', 'phone', 'snapshot user', 'blocked (40226)'], s.personas.map(function (p) {
      function box(flag) {
        var b = el('input'); b.type = 'checkbox'; b.checked = p[flag];
        b.onchange = function () { var body = {}; body[flag] = b.checked; call('PATCH', 'personas/' + p.id, body).then(load); };
        return b;
      }
      return [String(p.id), p.nickname, '+' + p.country_code + ' ' + p.phone, box('snapshot'), box('blocked')];
    }));
    var sw = s.faults.switches;
    document.getElementById('sw-text-plain').checked = sw.sns_text_plain !== false;
    document.getElementById('sw-string-errcode').checked = !!sw.string_errcode;
    document.getElementById('sw-refusal').checked = !!sw.refusal_redirects;
    document.getElementById('sw-42003').checked = !!sw.expired_code_42003;
    document.getElementById('faults').textContent = JSON.stringify({ failures: s.faults.failures, latency_ms: s.faults.latency_ms }, null, 1);
  }
  function load() { return call('GET', 'state').then(render); }
  function value(id) { return document.getElementById(id).value.trim(); }
  document.getElementById('account-create').onclick = function () { call('POST', 'accounts', { name: value('account-name') }).then(load); };
  document.getElementById('app-create').onclick = function () {
    call('POST', 'apps', { appid: value('app-id'), kind: value('app-kind'), secret: value('app-secret') || null }).then(load);
  };
  document.getElementById('fault-add').onclick = function () {
    call('POST', 'faults', { endpoint: value('fault-endpoint'), errcode: parseInt(value('fault-errcode'), 10), count: parseInt(value('fault-count') || '1', 10) }).then(load);
  };
  document.getElementById('latency-set').onclick = function () { call('POST', 'latency', { endpoint: value('latency-endpoint'), ms: parseInt(value('latency-ms') || '0', 10) }).then(load); };
  document.getElementById('switches-save').onclick = function () {
    call('POST', 'switches', {
      sns_text_plain: document.getElementById('sw-text-plain').checked,
      string_errcode: document.getElementById('sw-string-errcode').checked,
      refusal_redirects: document.getElementById('sw-refusal').checked,
      expired_code_42003: document.getElementById('sw-42003').checked
    }).then(load);
  };
  document.getElementById('rotate').onclick = function () {
    call('POST', 'session_keys/rotate', { appid: value('rotate-appid'), persona_id: parseInt(value('rotate-persona'), 10) }).then(function () { message.textContent = 'session_key rotated'; });
  };
  document.getElementById('faults-reset').onclick = function () { call('DELETE', 'faults').then(load); };
  load();
})();
