// Samples on the sandbox phone: a mini program and a mobile app of the customer, logging in with
// Datong exactly as theirs would. `?run=mini_program` (wx.login, the phone-number button, the
// WeChat grant), `?run=mobile_app` (SendAuth with WeChat's consent, then the grant) and
// `?run=app_launch` (a ticket bound to PKCE, WXLaunchMiniProgram, the mini program's confirm
// and launchApp button, then the app's finish and code exchange). They talk to the Datong that
// serves this page and, once logged in, go to `done` (a path of this site) with the user.
(function () {
  var q = new URLSearchParams(window.location.search);
  var run = q.get('run');
  var box = document.getElementById('sample');
  if (!run || !box) return;
  var GRANT = 'urn:datong:params:oauth:grant-type:wechat';
  var clientId = q.get('client_id') || '', source = q.get('source') || '', appid = q.get('appid') || '';
  var done = q.get('done') || '';
  if (done.charAt(0) !== '/' || done.charAt(1) === '/' || done.charAt(1) === '\\') done = '';
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function persona() { return parseInt(document.getElementById('persona').value, 10); }
  var log = el('pre', { 'data-testid': 'sample-log', style: 'white-space:pre-wrap;word-break:break-all' });
  function say(text) { log.textContent += text + '\n'; }
  function post(path, body, form) {
    return fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: form ? new URLSearchParams(body).toString() : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (t) {
        var j = {};
        try { j = t ? JSON.parse(t) : {}; } catch (e) { j = { text: t }; }
        return { status: r.status, json: j };
      });
    });
  }
  function phone(path, body) {
    return post(MOUNT + '/phone/api/' + path, body).then(function (r) {
      if (r.status >= 400) throw new Error(path + ': ' + ((r.json.error && r.json.error.message) || r.status));
      return r.json;
    });
  }
  function fail(e) { say('✗ ' + (e && e.message ? e.message : String(e))); box.setAttribute('data-outcome', 'failed'); }
  function refused(r) {
    var e = r.json.error;
    var why = typeof e === 'object' ? e.code : e + (r.json.datong_reason ? ' (' + r.json.datong_reason + ')' : '');
    throw new Error('Datong answered ' + r.status + ': ' + why);
  }
  function claims(jwt) {
    var part = (jwt.split('.')[1] || '').replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part + '==='.slice((part.length + 3) % 4)))));
  }
  // The tokens are in the app: show who logged in, then the console's result page.
  function loggedIn(r) {
    if (r.status !== 200) refused(r);
    var c = claims(r.json.id_token);
    say('✓ logged in: ' + (c.name || '') + ' ' + c.sub);
    box.setAttribute('data-outcome', 'success');
    box.setAttribute('data-sub', c.sub);
    if (done) window.location.href = done + (done.indexOf('?') < 0 ? '?' : '&') + 'user=' + encodeURIComponent(c.sub);
  }
  function grant(code, phoneCode) {
    var form = { grant_type: GRANT, client_id: clientId, source: source, code: code, scope: 'openid profile phone offline_access' };
    if (phoneCode) form.phone_code = phoneCode;
    say('POST /oauth/token (WeChat grant)');
    return post('/oauth/token', form, true).then(loggedIn);
  }
  function button(id, text, secondary) {
    return el('button', { 'data-testid': id, 'class': secondary ? 'secondary' : '' }, text);
  }
  function row() {
    var r = el('div', { 'class': 'row' });
    for (var i = 0; i < arguments.length; i++) r.appendChild(arguments[i]);
    return r;
  }
  var screen = el('div', {});
  box.appendChild(screen);
  box.appendChild(log);

  function miniProgram() {
    screen.appendChild(el('h2', {}, 'Mini program ' + appid + ' (sample)'));
    var plain = button('sample-login', 'Log in');
    var withPhone = button('sample-login-phone', 'Allow phone number and log in', true);
    plain.onclick = function () {
      phone('wx_login', { persona_id: persona(), appid: appid }).then(function (j) { return grant(j.code); }).catch(fail);
    };
    withPhone.onclick = function () {
      Promise.all([
        phone('wx_login', { persona_id: persona(), appid: appid }),
        phone('phone_code', { persona_id: persona(), appid: appid })
      ]).then(function (c) { return grant(c[0].code, c[1].code); }).catch(fail);
    };
    screen.appendChild(row(plain, withPhone));
  }

  function mobileApp() {
    screen.appendChild(el('h2', {}, 'App ' + appid + ' (sample)'));
    var start = button('sample-login', 'Log in with WeChat');
    start.onclick = function () {
      screen.innerHTML = '';
      screen.appendChild(el('p', {}, 'WeChat: allow app ' + appid + ' to use your profile?'));
      var allow = button('sample-allow', 'Allow'), deny = button('sample-deny', 'Deny', true);
      var answer = function (yes) {
        phone('app_auth', { persona_id: persona(), appid: appid, state: 'sample', allow: yes }).then(function (j) {
          if (j.err_code !== 0) { say('SendAuth.Resp err_code ' + j.err_code + ' (the person denied)'); box.setAttribute('data-outcome', 'denied'); return; }
          say('SendAuth.Resp code received');
          return grant(j.code);
        }).catch(fail);
      };
      allow.onclick = function () { answer(true); };
      deny.onclick = function () { answer(false); };
      screen.appendChild(row(allow, deny));
    };
    screen.appendChild(row(start));
  }

  function base64url(bytes) {
    var s = '';
    bytes.forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function appLaunch() {
    var miniAppid = q.get('mini_appid') || '', redirectUri = q.get('redirect_uri') || '';
    screen.appendChild(el('h2', {}, 'App ' + appid + ' (sample)'));
    var start = button('sample-login', 'Log in with the mini program');
    start.onclick = function () {
      var verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
      var ticket, urls;
      crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)).then(function (h) {
        return post('/api/v1/login/app-mp', {
          client_id: clientId, source: source, redirect_uri: redirectUri, scope: 'openid profile phone offline_access',
          code_challenge: base64url(new Uint8Array(h)), code_challenge_method: 'S256'
        });
      }).then(function (r) {
        if (r.status !== 201) refused(r);
        ticket = r.json.ticket; urls = r.json;
        say('ticket ' + ticket + '; WXLaunchMiniProgram ' + r.json.launch.user_name + ' ' + r.json.launch.path);
        // The sandbox learns a mini program when it first sees it; 409 means it knew it already.
        return post(MOUNT + '/admin/api/apps', { appid: miniAppid, kind: 'mini_program' }).then(function () {
          return phone('launch_mini_program', {
            persona_id: persona(), appid: appid, user_name: r.json.launch.user_name,
            path: r.json.launch.path, miniprogram_type: r.json.launch.miniprogram_type
          });
        });
      }).then(function (opened) {
        var page = '/api/v1/login/mp-qrcode/' + encodeURIComponent(opened.query.scene || '');
        return post(page + '/scan', {}).then(function () { miniProgramPage(opened, page, verifier, urls); });
      }).catch(fail);
    };
    screen.appendChild(row(start));
  }

  // The mini program's login page, opened by the app with scene 1069.
  function miniProgramPage(opened, page, verifier, urls) {
    screen.innerHTML = '';
    screen.appendChild(el('h2', {}, 'Mini program ' + opened.appid + ' (scene ' + opened.scene + ')'));
    var confirm = button('sample-mp-confirm', 'Allow phone number and log in');
    var cancel = button('sample-mp-cancel', 'Cancel', true);
    cancel.onclick = function () {
      post(page + '/cancel', {}).then(function () { say('cancelled in the mini program'); box.setAttribute('data-outcome', 'cancelled'); });
    };
    confirm.onclick = function () {
      Promise.all([
        phone('wx_login', { persona_id: persona(), appid: opened.appid }),
        phone('phone_code', { persona_id: persona(), appid: opened.appid })
      ]).then(function (c) {
        return post(page + '/confirm', { code: c[0].code, phone_code: c[1].code });
      }).then(function (r) {
        if (r.status !== 200) refused(r);
        say('confirmed; launchApp app-parameter ready');
        screen.innerHTML = '';
        var back = button('sample-launch-app', 'Back to the app');
        var leave = button('sample-go-back', 'Go back without tapping', true);
        back.onclick = function () {
          phone('launch_app', { scene: opened.scene, app_parameter: r.json.app_parameter }).then(function (j) {
            say('app received extMsg');
            return finish(urls, verifier);
          }).catch(fail);
        };
        leave.onclick = function () {
          // The app, back in front without extMsg, asks for the ticket's status.
          fetch(urls.status_url).then(function (s) { return s.json(); }).then(function (s) {
            say('app polled the ticket: ' + s.status);
            if (s.status === 'confirmed') return finish(urls, verifier);
          }).catch(fail);
        };
        screen.appendChild(row(back, leave));
      }).catch(fail);
    };
    screen.appendChild(row(confirm, cancel));
  }

  function finish(urls, verifier) {
    return post(urls.finish_url, { code_verifier: verifier }).then(function (r) {
      if (r.status !== 200) refused(r);
      say('ticket finished: authorization code for ' + r.json.redirect_uri);
      return post('/oauth/token', {
        grant_type: 'authorization_code', client_id: clientId, code: r.json.code,
        redirect_uri: r.json.redirect_uri, code_verifier: verifier
      }, true).then(loggedIn);
    });
  }

  if (run === 'mini_program') miniProgram();
  else if (run === 'mobile_app') mobileApp();
  else if (run === 'app_launch') appLaunch();
})();
