// Sign in with the admin token: POSTed once as JSON, answered with an HttpOnly session cookie. The token is not
// kept anywhere in the browser: the form is cleared before leaving the page.
const form = document.getElementById('signin');
const message = document.getElementById('message');

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  message.textContent = '';
  const input = document.getElementById('token');
  const r = await fetch('session', {
    method: 'POST', credentials: 'same-origin', cache: 'no-store',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ token: input.value }),
  });
  input.value = '';
  if (r.ok) {
    const next = new URLSearchParams(location.search).get('next');
    // Only a path of this console: never an open redirect.
    location.assign(next && /^\/ui\/[a-z]*(\?[^\\]*)?$/.test(next) ? next : 'overview');
    return;
  }
  let why = 'sign-in failed (' + r.status + ')';
  try { why = (await r.json()).message || why; } catch { /* keep the status */ }
  message.textContent = why === 'wrong token' ? 'Wrong token: not signed in.' : why;
  input.focus();
});
document.getElementById('token').focus();
