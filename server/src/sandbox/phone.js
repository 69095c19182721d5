// The sandbox phone: calls the phone JSON API as the chosen persona.
(function () {
  var api = MOUNT + '/phone/api/';
  var select = document.getElementById('persona');
  var action = document.getElementById('action');
  var message = document.getElementById('message');
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function call(path, body) {
    message.textContent = '';
    return fetch(api + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { message.textContent = (j.error && j.error.message) || 'failed'; throw j; }
        return j;
      });
    });
  }
  function cookiePersona() {
    var m = new RegExp('(?:^|; )' + PERSONA_COOKIE + '=(\\d+)').exec(document.cookie);
    return m ? m[1] : '';
  }
  function remember(id) {
    document.cookie = PERSONA_COOKIE + '=' + id + '; path=' + MOUNT + '; SameSite=Lax';
  }
  function persona() { return parseInt(select.value, 10); }
  function loadPersonas(chosen) {
    return call('personas').then(function (j) {
      select.innerHTML = '';
      j.personas.forEach(function (p) {
        var o = el('option', { value: p.id }, p.nickname + ' (+' + p.country_code + ' ' + p.phone + ')');
        select.appendChild(o);
      });
      if (chosen) select.value = chosen;
      if (select.value) remember(select.value);
      document.getElementById('new-persona').open = j.personas.length === 0;
    });
  }
  select.addEventListener('change', function () { remember(select.value); });
  document.getElementById('create').addEventListener('click', function () {
    call('personas', {
      nickname: document.getElementById('nickname').value,
      country_code: document.getElementById('country').value,
      phone: document.getElementById('phone-number').value
    }).then(function (p) { return loadPersonas(String(p.id)); });
  });
  function done(text) {
    action.innerHTML = '';
    action.appendChild(el('p', { 'data-testid': 'done' }, text));
  }
  function show(result, url) {
    action.innerHTML = '';
    if (result.kind === 'qrconnect') {
      action.appendChild(el('p', {}, 'Log in to ' + (result.app_name || result.appid) + ' on your computer?'));
      var row = el('div', { 'class': 'row' });
      var yes = el('button', { 'data-testid': 'confirm' }, 'Log in');
      var no = el('button', { 'data-testid': 'deny', 'class': 'secondary' }, 'Cancel');
      yes.onclick = function () { call('confirm', { persona_id: persona(), uuid: result.uuid }).then(function () { done('Logged in. You can go back to the computer.'); }); };
      no.onclick = function () { call('deny', { persona_id: persona(), uuid: result.uuid }).then(function () { done('Login cancelled.'); }); };
      row.appendChild(yes); row.appendChild(no); action.appendChild(row);
    } else if (result.kind === 'authorize') {
      var target = new URL(url, window.location.href);
      if ((target.protocol !== 'http:' && target.protocol !== 'https:') || target.origin !== window.location.origin) {
        message.textContent = 'This authorization page belongs to another sandbox.';
        return;
      }
      remember(persona());
      window.location.href = target.toString();
    } else if (result.kind === 'mini_program') {
      // The mini program's login page: it reports the scan to its backend on opening, then
      // logs in (wx.login + the phone-number button) or cancels, as its page code would.
      var mp = { persona_id: persona(), appid: result.appid, scene: result.scene };
      action.appendChild(el('p', {}, 'Mini program ' + result.appid + ' opened with scene "' + (result.scene || '') + '"'));
      var out = el('pre', { 'data-testid': 'codes' });
      var report = function (label, j) {
        out.textContent += j.posted_to
          ? label + ' → HTTP ' + j.status + ' ' + JSON.stringify(j.response) + '\n'
          : label + ': no server_url set for this mini program in the sandbox console' +
            (j.js_code ? '; codes: ' + j.js_code + ' / ' + j.phone_code : '') + '\n';
        out.setAttribute('data-last-status', j.status || '');
      };
      var row1 = el('div', { 'class': 'row' });
      var run = el('button', { 'data-testid': 'mp-login' }, 'Allow phone number and log in');
      var cancel = el('button', { 'data-testid': 'mp-cancel', 'class': 'secondary' }, 'Cancel');
      run.onclick = function () {
        mp.persona_id = persona();
        call('mp_login', { persona_id: mp.persona_id, appid: mp.appid, scene: mp.scene, phone: true }).then(function (j) {
          report('confirm', j);
          if (j.status === 200) done('Logged in. You can go back to the computer.');
        });
      };
      cancel.onclick = function () {
        call('mp_cancel', mp).then(function (j) { report('cancel', j); if (j.status === 200) done('Login cancelled.'); });
      };
      row1.appendChild(run); row1.appendChild(cancel); action.appendChild(row1);
      var row2 = el('div', { 'class': 'row' });
      var login = el('button', { 'data-testid': 'wx-login', 'class': 'secondary' }, 'wx.login() only');
      var phone = el('button', { 'data-testid': 'get-phone', 'class': 'secondary' }, 'Phone code only');
      login.onclick = function () { call('wx_login', { persona_id: persona(), appid: result.appid }).then(function (j) { out.textContent += 'js_code: ' + j.code + '\n'; }); };
      phone.onclick = function () { call('phone_code', { persona_id: persona(), appid: result.appid }).then(function (j) { out.textContent += 'phone code: ' + j.code + '\n'; }); };
      row2.appendChild(login); row2.appendChild(phone); action.appendChild(row2); action.appendChild(out);
      call('mp_scan', mp).then(function (j) { report('scan', j); });
    }
  }
  function open() {
    var url = document.getElementById('scan-url').value.trim();
    if (!persona()) { message.textContent = 'Create or choose a persona first.'; return; }
    call('scan', { persona_id: persona(), url: url }).then(function (r) { show(r, url); });
  }
  document.getElementById('open').addEventListener('click', open);
  var scanned = new URLSearchParams(window.location.search).get('scan');
  if (scanned) document.getElementById('scan-url').value = scanned;
  // A scanned URL is only filled in: opening it takes a tap, so a link from elsewhere cannot
  // act on the phone by itself.
  loadPersonas(cookiePersona());
  document.body.setAttribute('data-ready', 'true');
})();
