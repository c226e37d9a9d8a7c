/** The client token lives in sessionStorage: it is kept for this browser tab only and gone when it closes. */
const KEY = 'switchyard.clientToken';

export function loadToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
