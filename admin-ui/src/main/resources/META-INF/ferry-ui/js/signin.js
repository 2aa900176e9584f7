// Sign in as a user (name and password) or with the admin token: POSTed once as JSON, answered with an HttpOnly
// session cookie. Neither the password nor the token is kept anywhere in the browser: the fields are cleared
// before leaving the page.

async function signIn(body, secret, message, focus) {
  message.textContent = '';
  const r = await fetch('session', {
    method: 'POST', credentials: 'same-origin', cache: 'no-store',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
  secret.value = '';
  if (r.ok) {
    const next = new URLSearchParams(location.search).get('next');
    // Only a path of this console: never an open redirect.
    location.assign(next && /^\/ui\/[a-z]*(\?[^\\]*)?$/.test(next) ? next : 'overview');
    return;
  }
  let why = 'sign-in failed (' + r.status + ')';
  try { why = (await r.json()).message || why; } catch { /* keep the status */ }
  if (r.status === 401) {
    why = 'token' in body ? 'Wrong token: not signed in.' : 'Not signed in: wrong user name or password, or a user'
      + ' with neither the admin nor the viewer role.';
  } else if (r.status === 429) {
    const wait = r.headers.get('Retry-After');
    why = 'Too many failed sign-ins from this address: try again' + (wait ? ' in ' + wait + ' s.' : ' later.');
  }
  message.textContent = why;
  focus.focus();
}

const userForm = document.getElementById('signin-user');
const user = document.getElementById('user');
const password = document.getElementById('password');
userForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  await signIn({ user: user.value, password: password.value }, password,
    document.getElementById('user-message'), password);
});

const tokenForm = document.getElementById('signin');
const token = document.getElementById('token');
tokenForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  await signIn({ token: token.value }, token, document.getElementById('message'), token);
});
user.focus();
