// The login form: a user name and password, or the admin token.
import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';

/**
 * @param {(user: string) => void} onLogin
 */
export function loginPage(onLogin) {
  let useToken = false;
  const message = h('p', { class: 'error', role: 'alert' });
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const token = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off' });
  const fields = h('div', { class: 'fields' });
  const toggle = h('button', { type: 'button', class: 'link', id: 'use-token' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'login' }, 'Log in');

  const draw = () => {
    replace(fields, useToken
      ? [h('label', { for: 'token' }, 'Admin token'), token]
      : [h('label', { for: 'username' }, 'User name'), username, h('label', { for: 'password' }, 'Password'), password]);
    username.required = !useToken;
    password.required = !useToken;
    token.required = useToken;
    toggle.textContent = useToken ? 'Log in with a user name instead' : 'Log in with the admin token instead';
  };
  toggle.addEventListener('click', () => {
    useToken = !useToken;
    message.textContent = '';
    draw();
    (useToken ? token : username).focus();
  });

  const form = h('form', { class: 'login-card', id: 'login-form' },
    h('div', { class: 'brand big' }, h('span', { class: 'logo' }, 'byot'), h('span', null, 'gateway admin')),
    h('p', { class: 'muted' }, 'Okta telephony hook: deliveries, providers, routing and Preview.'),
    fields, message, submit, toggle);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.textContent = '';
    submit.disabled = true;
    try {
      const body = useToken ? { token: token.value } : { username: username.value, password: password.value };
      const r = await api('/admin/login', body);
      onLogin(r.user);
    } catch (err) {
      message.textContent = err instanceof ApiError ? err.message : 'The gateway did not answer.';
      password.value = '';
      token.value = '';
    } finally {
      submit.disabled = false;
    }
  });
  draw();
  return h('div', { class: 'login-wrap' }, form);
}
