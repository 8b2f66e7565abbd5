// The site's own page logic: its login form and friends, nothing of Beacon.
const $ = (id) => document.getElementById(id);
const token = sessionStorage.getItem('pong-token');

async function call(path, body, method = 'POST') {
  const res = await fetch(path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(data?.message ?? res.statusText);
  return data;
}

if (token) {
  $('login').hidden = true;
  $('home').hidden = false;
  $('me').textContent = sessionStorage.getItem('pong-name');
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const action = event.submitter?.value === 'register' ? 'register' : 'login';
  try {
    const { token: t, user } = await call(`/api/${action}`, { name: form.get('name'), password: form.get('password') });
    sessionStorage.setItem('pong-token', t);
    sessionStorage.setItem('pong-name', user.name);
    location.reload();
  } catch (err) {
    $('login-error').textContent = err.message;
  }
});

$('add-friend').addEventListener('submit', async (event) => {
  event.preventDefault();
  await call('/api/friends', { name: new FormData(event.target).get('name') });
  event.target.reset();
});

// Logged out on the site, so on Beacon too: the site ends this token's Beacon login (this
// device's socket closes). The browser forgets the token even if the site cannot be reached.
$('logout').addEventListener('click', async () => {
  try {
    await call('/api/logout');
  } finally {
    sessionStorage.clear();
    location.reload();
  }
});
