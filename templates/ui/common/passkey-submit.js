// Added by passkey-migrate. <passkey-submit>: runs the WebAuthn ceremony for the form it sits in and posts the
// result (<name>.CredentialJson, or <name>.Error) to the form's passkey handler.
// Works where PublicKeyCredential.parse*OptionsFromJSON / toJSON are missing (older browsers, and credential
// objects handed back by password-manager extensions), and URL-encodes the user name.

const supportsWebAuthn =
  typeof window.PublicKeyCredential !== 'undefined' &&
  typeof navigator.credentials !== 'undefined' &&
  typeof navigator.credentials.create === 'function';

function toBase64Url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function withBinaryIds(descriptors) {
  return (descriptors ?? []).map((d) => ({ ...d, id: fromBase64Url(d.id) }));
}

// Chromium refuses more than 64 excludeCredentials; the server still refuses a passkey registered twice.
const MAX_EXCLUDED = 64;

function creationOptions(json) {
  if (Array.isArray(json.excludeCredentials) && json.excludeCredentials.length > MAX_EXCLUDED) {
    json = { ...json, excludeCredentials: json.excludeCredentials.slice(-MAX_EXCLUDED) };
  }
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function') {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromBase64Url(json.challenge),
    user: { ...json.user, id: fromBase64Url(json.user.id) },
    excludeCredentials: withBinaryIds(json.excludeCredentials),
  };
}

function requestOptions(json) {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function') {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return { ...json, challenge: fromBase64Url(json.challenge), allowCredentials: withBinaryIds(json.allowCredentials) };
}

function optional(read) {
  try {
    const value = read();
    return value === null || value === undefined ? undefined : value;
  } catch {
    return undefined;
  }
}

/** The credential as the JSON the server reads: toJSON() when it works, else built field by field. */
export function credentialToJson(credential) {
  if (typeof credential.toJSON === 'function') {
    try {
      return JSON.stringify(credential.toJSON());
    } catch {
      // Some password-manager extensions return objects whose toJSON throws; fall through.
    }
  }
  const r = credential.response;
  const response = { clientDataJSON: toBase64Url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64Url(r.attestationObject);
    const authenticatorData = optional(() => r.getAuthenticatorData());
    if (authenticatorData) response.authenticatorData = toBase64Url(authenticatorData);
    const publicKey = optional(() => r.getPublicKey());
    if (publicKey) response.publicKey = toBase64Url(publicKey);
    const algorithm = optional(() => r.getPublicKeyAlgorithm());
    if (algorithm !== undefined) response.publicKeyAlgorithm = algorithm;
    response.transports = optional(() => r.getTransports()) ?? [];
  } else {
    response.authenticatorData = toBase64Url(r.authenticatorData);
    response.signature = toBase64Url(r.signature);
    if (r.userHandle) response.userHandle = toBase64Url(r.userHandle);
  }
  return JSON.stringify({
    id: credential.id,
    rawId: toBase64Url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: optional(() => credential.getClientExtensionResults()) ?? {},
    response,
  });
}

async function postForOptions(url, headers, signal, body) {
  const response = await fetch(url, { method: 'POST', credentials: 'same-origin', headers, signal, body });
  if (response.status === 429) {
    throw new Error('Too many passkey attempts. Please wait a minute and try again.');
  }
  if (!response.ok) {
    throw new Error(`The server could not start the passkey request (status ${response.status}). Reload the page and try again.`);
  }
  return response.json();
}

class PasskeySubmitElement extends HTMLElement {
  static formAssociated = true;

  connectedCallback() {
    this.internals ??= this.attachInternals();
    const form = this.internals.form;
    if (!form) return;
    this.onSubmit = (event) => {
      if (event.submitter?.name === '__passkeySubmit' && event.submitter.nextElementSibling === this) {
        event.preventDefault();
        this.obtainAndSubmit(false);
      }
    };
    form.addEventListener('submit', this.onSubmit);
    this.signalUnknownCredential();
    this.signalAcceptedCredentials();
    this.signalCurrentUserDetails();
    if (this.getAttribute('operation') === 'Request' && this.getAttribute('autofill') !== 'off') {
      this.tryAutofill();
    }
  }

  /**
   * The server definitely does not know the passkey just used: tell the browser (WebAuthn Signal API, where
   * supported), with the rp id the server uses. The server names a credential only when it is sure.
   */
  signalUnknownCredential() {
    const credentialId = this.getAttribute('unknown-credential');
    const rpId = this.getAttribute('rp-id');
    if (!credentialId || !rpId || typeof window.PublicKeyCredential?.signalUnknownCredential !== 'function') return;
    PublicKeyCredential.signalUnknownCredential({ rpId, credentialId }).catch((error) => console.warn(error));
  }

  /**
   * On the management page: every passkey this account has now, so the password manager forgets the ones
   * deleted here (WebAuthn Signal API, where supported; best effort).
   */
  signalAcceptedCredentials() {
    const rpId = this.getAttribute('rp-id');
    const userId = this.getAttribute('user-handle');
    const accepted = this.getAttribute('accepted-credentials');
    if (!rpId || !userId || accepted === null || typeof window.PublicKeyCredential?.signalAllAcceptedCredentials !== 'function') return;
    const allAcceptedCredentialIds = accepted.split(' ').filter(Boolean);
    PublicKeyCredential.signalAllAcceptedCredentials({ rpId, userId, allAcceptedCredentialIds }).catch((error) => console.warn(error));
  }

  /**
   * On the pages that add a passkey: the account's current name, so the password manager shows the name the
   * user has now, also after they changed it (WebAuthn Signal API, signalCurrentUserDetails; best effort).
   */
  signalCurrentUserDetails() {
    const rpId = this.getAttribute('rp-id');
    const userId = this.getAttribute('user-handle');
    const name = this.getAttribute('user-name');
    if (!rpId || !userId || !name || typeof window.PublicKeyCredential?.signalCurrentUserDetails !== 'function') return;
    // The creation options give the account its user name as the display name too.
    PublicKeyCredential.signalCurrentUserDetails({ rpId, userId, name, displayName: name }).catch((error) => console.warn(error));
  }

  disconnectedCallback() {
    this.abortController?.abort();
    this.internals?.form?.removeEventListener('submit', this.onSubmit);
  }

  async obtainCredential(conditional, signal) {
    if (!supportsWebAuthn) {
      throw new Error('This browser does not support passkeys. Sign in with your password instead.');
    }
    const headers = { [this.getAttribute('request-token-name')]: this.getAttribute('request-token-value') };
    const operation = this.getAttribute('operation');
    const url = new URL(this.getAttribute('options-url'), document.baseURI);
    if (operation === 'Create') {
      const options = creationOptions(await postForOptions(url, headers, signal));
      return navigator.credentials.create({ publicKey: options, signal });
    }
    if (operation === 'Request') {
      // The typed user name goes only where the server uses it (send-user-name), and in the body, never the URL
      // (which lands in proxy and server logs).
      const userField = this.hasAttribute('send-user-name') ? this.getAttribute('email-name') : null;
      const userName = userField ? new FormData(this.internals.form).get(userField) : null;
      const body = typeof userName === 'string' && userName.length > 0 ? new URLSearchParams({ username: userName }) : undefined;
      const options = requestOptions(await postForOptions(url, headers, signal, body));
      return navigator.credentials.get({ publicKey: options, mediation: conditional ? 'conditional' : undefined, signal });
    }
    throw new Error(`Unknown passkey operation '${operation}'.`);
  }

  async obtainAndSubmit(conditional) {
    this.abortController?.abort();
    const controller = new AbortController();
    this.abortController = controller;
    const name = this.getAttribute('name');
    const data = new FormData();
    try {
      const credential = await this.obtainCredential(conditional, controller.signal);
      if (!credential) throw new Error('No passkey was provided by the authenticator.');
      data.append(`${name}.CredentialJson`, credentialToJson(credential));
    } catch (error) {
      if (error?.name === 'AbortError' || controller.signal.aborted) return;
      console.error(error);
      if (conditional) return;
      data.append(`${name}.Error`, error?.name === 'NotAllowedError' ? 'No passkey was provided, or the request was cancelled.' : String(error?.message ?? error));
    }
    this.internals.setFormValue(data);
    const form = this.internals.form;
    const action = this.getAttribute('form-action');
    if (action) form.action = action;
    form.submit();
  }

  async tryAutofill() {
    if (!supportsWebAuthn || typeof PublicKeyCredential.isConditionalMediationAvailable !== 'function') return;
    if (!(await PublicKeyCredential.isConditionalMediationAvailable())) return;
    await this.obtainAndSubmit(true);
  }
}

/** Whether this browser can make a passkey: on the device (platform authenticator) or with a phone (hybrid). */
async function canMakePasskeys() {
  const api = window.PublicKeyCredential;
  if (typeof api !== 'function' || typeof navigator.credentials?.create !== 'function') return false;
  try {
    if (typeof api.getClientCapabilities === 'function') {
      const capabilities = await api.getClientCapabilities();
      if (capabilities.passkeyPlatformAuthenticator || capabilities.userVerifyingPlatformAuthenticator || capabilities.hybridTransport) return true;
    }
    return typeof api.isUserVerifyingPlatformAuthenticatorAvailable === 'function' && (await api.isUserVerifyingPlatformAuthenticatorAvailable());
  } catch {
    return false;
  }
}

/**
 * <passkey-prompt return-url="/..." hidden>: the invitation to add a passkey, shown only where the browser can
 * make one; elsewhere the page goes straight on to where the user was going (nothing is recorded).
 */
class PasskeyPromptElement extends HTMLElement {
  async connectedCallback() {
    if (await canMakePasskeys()) {
      this.hidden = false;
      return;
    }
    const target = this.getAttribute('return-url') || '/';
    // The server sends a local URL; a path on this site is all this follows.
    location.replace(/^\/(?![/\\])/.test(target) ? target : '/');
  }
}

if (!customElements.get('passkey-prompt')) {
  customElements.define('passkey-prompt', PasskeyPromptElement);
}

if (!customElements.get('passkey-submit')) {
  customElements.define('passkey-submit', PasskeySubmitElement);
}
