/*
 * Tongxin (同心) — the small unobtrusive script. The CSP forbids inline script
 * and inline handlers, so every behaviour here hangs on data- attributes:
 *
 *   data-confirm="…"      on a form, a submit button, a link or an htmx
 *                         control: ask confirm() first; cancel if refused.
 *   data-autosubmit       on a select or input: submit its form on change.
 *   data-check-all="ids"  on a checkbox: tick every checkbox named "ids" in
 *                         the same form (or table).
 *   data-history-back     on a button: go back one page (工作台 if none).
 *   data-locale-switch    on the 中文 / English links: come back to the
 *                         page as it is now, even after htmx changed the URL.
 *   details[data-menu]    a dropdown: closes on an outside click or Esc.
 *   data-menu-toggle      the top bar's ☰ (a link to #menu that works
 *                         without script): opens and closes the left menu
 *                         drawer of a narrow screen (html.menu-open);
 *                         data-menu-close, Esc or a click outside closes it.
 *   data-open-details="id" on a link: open the <details> (or show the
 *                         section) of that id in view, clear of the sticky
 *                         top bar, and focus its first field, without
 *                         reloading; without script the link's own href
 *                         (?action=…#id) renders it open. A page opened at
 *                         #id of a closed <details> opens it too.
 *
 * It also sends the CSRF token (meta csrf-token) on every htmx request, adds
 * a close button to flash messages, shows a flash when an htmx request fails,
 * and keeps a plain POST form from being sent twice.
 *
 * Plain ES2017 without optional chaining, for the older Chromium builds that
 * government desktops still run.
 */
(function () {
  'use strict';

  var doc = document;
  doc.documentElement.classList.add('js');

  function bodyMsg(name, fallback) {
    var v = doc.body && doc.body.getAttribute('data-msg-' + name);
    return v || fallback;
  }

  function csrfToken() {
    var m = doc.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }

  // ---- CSRF header on htmx requests ----
  doc.addEventListener('htmx:configRequest', function (e) {
    var t = csrfToken();
    if (t && e.detail && e.detail.headers) {
      e.detail.headers['X-CSRF-Token'] = t;
    }
  });

  // ---- Confirmation before destructive actions ----
  var HX_VERBS = ['hx-get', 'hx-post', 'hx-put', 'hx-patch', 'hx-delete',
    'data-hx-get', 'data-hx-post', 'data-hx-put', 'data-hx-patch', 'data-hx-delete'];

  function hasHxVerb(el) {
    for (var i = 0; i < HX_VERBS.length; i++) {
      if (el.hasAttribute(HX_VERBS[i])) { return true; }
    }
    return false;
  }

  function isSubmitControl(el) {
    var tag = el.tagName;
    if (tag === 'BUTTON') { return (el.getAttribute('type') || 'submit').toLowerCase() === 'submit'; }
    if (tag === 'INPUT') { var t = (el.type || '').toLowerCase(); return t === 'submit' || t === 'image'; }
    return false;
  }

  // The button that submitted a form, for browsers without SubmitEvent.submitter.
  var lastSubmitter = null;

  doc.addEventListener('click', function (e) {
    var target = e.target;
    if (!target || !target.closest) { return; }
    var submit = target.closest('button, input[type="submit"], input[type="image"]');
    if (submit && isSubmitControl(submit) && submit.form) {
      lastSubmitter = submit;
    }
    var el = target.closest('a[data-confirm], button[data-confirm], input[data-confirm]');
    if (!el) { return; }
    // A form's own submit button is asked about on "submit" (which also covers
    // Enter), unless htmx fires on the button's click itself.
    if (isSubmitControl(el) && el.form && !hasHxVerb(el)) { return; }
    if (!window.confirm(el.getAttribute('data-confirm'))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  doc.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form || form.tagName !== 'FORM') { return; }
    var sub = e.submitter || (lastSubmitter && lastSubmitter.form === form ? lastSubmitter : null);
    lastSubmitter = null;
    var msg = (sub && sub.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
      e.stopImmediatePropagation();
      return;
    }
    form._txSubmitter = sub;
  }, true);

  // ---- A plain POST form is sent once (htmx forms manage themselves) ----
  doc.addEventListener('submit', function (e) {
    var form = e.target;
    if (e.defaultPrevented || !form || form.tagName !== 'FORM') { return; }
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') { return; }
    if (hasHxVerb(form) || form.hasAttribute('hx-boost') || form.hasAttribute('data-hx-boost')) { return; }
    if (form.getAttribute('aria-busy') === 'true') { e.preventDefault(); return; }
    form.setAttribute('aria-busy', 'true');
    // Disable only after the browser has read the submitter's name and value.
    var sub = form._txSubmitter;
    window.setTimeout(function () {
      if (sub) { sub.disabled = true; }
    }, 0);
    // A response that stays on this page (a download) must not lock the form.
    window.setTimeout(function () { releaseForm(form); }, 8000);
  });
  function releaseForm(form) {
    form.removeAttribute('aria-busy');
    var btns = form.querySelectorAll('button[disabled], input[type="submit"][disabled]');
    for (var j = 0; j < btns.length; j++) { btns[j].disabled = false; }
  }
  // Coming back with the back button (bfcache): make the forms usable again.
  window.addEventListener('pageshow', function () {
    var busy = doc.querySelectorAll('form[aria-busy="true"]');
    for (var i = 0; i < busy.length; i++) { releaseForm(busy[i]); }
  });

  function submitForm(form) {
    if (!form) { return; }
    if (typeof form.requestSubmit === 'function') { form.requestSubmit(); } else { form.submit(); }
  }

  // ---- Auto-submit (page size, quick filters) and check-all ----
  doc.addEventListener('change', function (e) {
    var el = e.target;
    if (!el || !el.getAttribute) { return; }
    if (el.hasAttribute('data-autosubmit')) {
      submitForm(el.form);
      return;
    }
    var group = el.getAttribute('data-check-all');
    if (group !== null) {
      var boxes = scopeBoxes(el, group);
      for (var i = 0; i < boxes.length; i++) {
        if (!boxes[i].disabled) { boxes[i].checked = el.checked; }
      }
      return;
    }
    if (el.type === 'checkbox' && el.name) { syncCheckAll(el); }
  });

  function scopeOf(el) {
    return el.form || el.closest('table') || doc;
  }

  function scopeBoxes(el, name) {
    var scope = scopeOf(el);
    var all = scope.querySelectorAll('input[type="checkbox"]');
    var out = [];
    for (var i = 0; i < all.length; i++) {
      if (all[i].name === name && all[i] !== el) { out.push(all[i]); }
    }
    // Checkboxes outside the form but tied to it with form="…" belong too.
    if (el.form && el.form.id) {
      var tied = doc.querySelectorAll('input[type="checkbox"][form="' + el.form.id + '"]');
      for (var j = 0; j < tied.length; j++) {
        if (tied[j].name === name && tied[j] !== el && out.indexOf(tied[j]) < 0) { out.push(tied[j]); }
      }
    }
    return out;
  }

  function syncCheckAll(box) {
    var scope = scopeOf(box);
    var masters = doc.querySelectorAll('input[data-check-all]');
    for (var i = 0; i < masters.length; i++) {
      var m = masters[i];
      if (m.getAttribute('data-check-all') !== box.name || scopeOf(m) !== scope) { continue; }
      var boxes = scopeBoxes(m, box.name);
      var n = 0;
      for (var j = 0; j < boxes.length; j++) { if (boxes[j].checked) { n++; } }
      m.checked = boxes.length > 0 && n === boxes.length;
      m.indeterminate = n > 0 && n < boxes.length;
    }
  }

  // ---- Locale switch: come back to the URL as it is now ----
  doc.addEventListener('click', function (e) {
    var loc = e.target && e.target.closest ? e.target.closest('a[data-locale-switch]') : null;
    if (!loc) { return; }
    var href = loc.getAttribute('href') || '';
    var q = href.indexOf('?');
    var base = q >= 0 ? href.slice(0, q) : href;
    loc.setAttribute('href', base + '?next=' +
      encodeURIComponent(window.location.pathname + window.location.search));
    // The browser then follows the updated link.
  }, true);

  // ---- The left menu drawer of a narrow screen ----
  function setMenuOpen(open) {
    var root = doc.documentElement;
    var was = root.classList.contains('menu-open');
    if (open === was) { return; }
    root.classList.toggle('menu-open', open);
    var toggles = doc.querySelectorAll('[data-menu-toggle]');
    for (var i = 0; i < toggles.length; i++) {
      toggles[i].setAttribute('aria-expanded', open ? 'true' : 'false');
    }
    if (open) {
      var first = doc.querySelector('#menu [aria-current="page"]') || doc.querySelector('#menu a');
      if (first) {
        first.focus({ preventScroll: true });
        if (first.scrollIntoView) { first.scrollIntoView({ block: 'nearest' }); }
      }
    } else if (toggles.length && doc.activeElement && doc.activeElement.closest && doc.activeElement.closest('#menu')) {
      toggles[0].focus();
    }
  }
  doc.addEventListener('click', function (e) {
    var target = e.target;
    if (!target || !target.closest) { return; }
    if (target.closest('[data-menu-toggle]')) {
      e.preventDefault();
      setMenuOpen(!doc.documentElement.classList.contains('menu-open'));
      return;
    }
    if (target.closest('[data-menu-close]')) {
      e.preventDefault();
      setMenuOpen(false);
      return;
    }
    if (doc.documentElement.classList.contains('menu-open') && !target.closest('#menu')) {
      setMenuOpen(false);
    }
  }, true);
  doc.addEventListener('keydown', function (e) {
    if ((e.key === 'Escape' || e.key === 'Esc') && doc.documentElement.classList.contains('menu-open')) {
      setMenuOpen(false);
    }
  });
  // A link to #menu (bookmarked, or followed before this script ran) opens the drawer.
  function openMenuFromHash() {
    if (window.location.hash === '#menu' && window.matchMedia && window.matchMedia('(max-width: 959px)').matches) {
      setMenuOpen(true);
    }
  }
  // ---- A link opens the form it points to (header buttons) ----
  function topbarHeight() {
    var bar = doc.querySelector('.topbar');
    return bar ? bar.getBoundingClientRect().height : 0;
  }
  function openTarget(id, focus) {
    var el = id ? doc.getElementById(id) : null;
    if (!el) { return false; }
    var det = el.tagName === 'DETAILS' ? el : (el.closest ? el.closest('details') : null);
    if (det) { det.open = true; }
    el.style.scrollMarginTop = (topbarHeight() + 12) + 'px';
    el.scrollIntoView({ block: 'start' });
    if (focus) {
      var f = el.querySelector('textarea, select, input:not([type="hidden"]):not([type="checkbox"]):not([type="file"])');
      if (f) {
        try { f.focus({ preventScroll: true }); } catch (err) { f.focus(); }
      }
    }
    return true;
  }
  doc.addEventListener('click', function (e) {
    var a = e.target && e.target.closest ? e.target.closest('a[data-open-details]') : null;
    if (!a || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) { return; }
    var id = a.getAttribute('data-open-details');
    if (openTarget(id, true)) {
      e.preventDefault();
      if (window.history && window.history.replaceState) { window.history.replaceState(null, '', '#' + id); }
    }
  });
  function openHash() {
    var id = window.location.hash ? decodeURIComponent(window.location.hash.slice(1)) : '';
    var el = id && /^[\w-]+$/.test(id) ? doc.getElementById(id) : null;
    if (el && (el.tagName === 'DETAILS' || el.hasAttribute('data-open-on-hash'))) { openTarget(id, false); }
  }
  window.addEventListener('hashchange', openHash);

  // ---- Clicks: history back, dropdowns ----
  doc.addEventListener('click', function (e) {
    var target = e.target;
    if (!target || !target.closest) { return; }

    var back = target.closest('[data-history-back]');
    if (back) {
      e.preventDefault();
      if (window.history.length > 1 && doc.referrer && doc.referrer.indexOf(window.location.origin) === 0) {
        window.history.back();
      } else {
        window.location.href = '/';
      }
      return;
    }

    // Close open dropdowns that the click was not inside.
    var menus = doc.querySelectorAll('details[data-menu][open], details.dropdown[open]');
    for (var i = 0; i < menus.length; i++) {
      if (!menus[i].contains(target)) { menus[i].removeAttribute('open'); }
    }
  });

  doc.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape' && e.key !== 'Esc') { return; }
    var menus = doc.querySelectorAll('details[data-menu][open], details.dropdown[open]');
    for (var i = 0; i < menus.length; i++) {
      var had = menus[i].contains(doc.activeElement);
      menus[i].removeAttribute('open');
      if (had) {
        var s = menus[i].querySelector('summary');
        if (s) { s.focus(); }
      }
    }
  });

  // Opening one dropdown closes the others.
  doc.addEventListener('toggle', function (e) {
    var d = e.target;
    if (!d || d.tagName !== 'DETAILS' || !d.open) { return; }
    if (!d.hasAttribute('data-menu') && !d.classList.contains('dropdown')) { return; }
    var menus = doc.querySelectorAll('details[data-menu][open], details.dropdown[open]');
    for (var i = 0; i < menus.length; i++) {
      if (menus[i] !== d && !menus[i].contains(d)) { menus[i].removeAttribute('open'); }
    }
  }, true);

  // ---- Flash messages ----
  function addCloseButtons(root) {
    var flashes = (root || doc).querySelectorAll ? (root || doc).querySelectorAll('.flash') : [];
    for (var i = 0; i < flashes.length; i++) {
      var f = flashes[i];
      if (f.querySelector('.flash-close')) { continue; }
      var b = doc.createElement('button');
      b.type = 'button';
      b.className = 'flash-close';
      b.setAttribute('aria-label', bodyMsg('close', '关闭'));
      b.textContent = '×';
      f.appendChild(b);
    }
  }

  doc.addEventListener('click', function (e) {
    var b = e.target && e.target.closest ? e.target.closest('.flash-close') : null;
    if (!b) { return; }
    var f = b.closest('.flash');
    var hadFocus = doc.activeElement === b;
    if (f && f.parentNode) { f.parentNode.removeChild(f); }
    // Keep a keyboard user's place: focus moves to the page, not to <body>.
    var main = doc.getElementById('main');
    if (hadFocus && main) { main.focus({ preventScroll: true }); }
  });

  function showFlash(kind, text) {
    var box = doc.getElementById('flashes');
    if (!box) {
      box = doc.createElement('div');
      box.id = 'flashes';
      box.className = 'flashes';
      var main = doc.getElementById('main');
      if (main && main.parentNode) { main.parentNode.insertBefore(box, main); } else { doc.body.appendChild(box); }
    }
    var f = doc.createElement('div');
    f.className = 'flash flash-' + kind;
    f.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    var p = doc.createElement('p');
    p.className = 'flash-text';
    p.textContent = text;
    f.appendChild(p);
    box.appendChild(f);
    addCloseButtons(box);
  }

  // An htmx request that failed is not swapped in by htmx: say so.
  doc.addEventListener('htmx:responseError', function (e) {
    var xhr = e.detail && e.detail.xhr;
    var status = xhr ? xhr.status : 0;
    showFlash('error', bodyMsg('request-failed', '操作未成功（错误码 %d），请稍后重试。').replace('%d', String(status)));
  });
  doc.addEventListener('htmx:sendError', function () {
    showFlash('error', bodyMsg('network-error', '无法连接服务器，请检查网络后重试。'));
  });

  // Content htmx swaps in gets the same treatment as the first page.
  doc.addEventListener('htmx:load', function (e) { addCloseButtons(e.target); });

  // A long menu scrolls in its own column: show the current page's entry.
  function revealCurrentMenuItem() {
    var menu = doc.getElementById('menu');
    var cur = menu && menu.querySelector('[aria-current="page"]');
    if (!cur || menu.scrollHeight <= menu.clientHeight) { return; }
    var m = menu.getBoundingClientRect();
    var r = cur.getBoundingClientRect();
    if (r.bottom > m.bottom || r.top < m.top) {
      menu.scrollTop += r.top - m.top - (menu.clientHeight - r.height) / 2;
    }
  }

  function init() { addCloseButtons(doc); openMenuFromHash(); revealCurrentMenuItem(); openHash(); }
  if (doc.readyState === 'loading') {
    doc.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
