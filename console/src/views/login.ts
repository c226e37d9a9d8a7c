/** Asks for the client token once; it is checked against the server before it is kept. */
import { ApiClient, ApiError } from '../api.js';
import { h, replace } from '../dom.js';

export function loginView(root: HTMLElement, onToken: (token: string) => void, reason?: string): void {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, 'aria-label': 'client token', placeholder: 'X-Client-Token' });
  const message = h('p', { class: 'error-text', role: 'alert' }, reason ?? '');
  const form = h(
    'form',
    { class: 'login', 'data-form': 'login' },
    h('h1', {}, 'Switchyard console'),
    h('p', {}, 'Enter the client token (CLIENT_TOKEN, printed by the server at start). It is kept for this browser tab only.'),
    input,
    h('button', { type: 'submit' }, 'Open console'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    message.textContent = 'checking…';
    new ApiClient(token)
      .dashboard()
      .then(() => onToken(token))
      .catch((error: unknown) => {
        message.textContent =
          error instanceof ApiError && (error.status === 401 || error.status === 403)
            ? 'The server refused this token. Use the CLIENT_TOKEN the server printed at start.'
            : `Could not reach the server: ${error instanceof Error ? error.message : String(error)}`;
      });
  });
  replace(root, form);
  input.focus();
}
