/**
 * A software authenticator for the attack tests: it answers the server's creation options with an attestation
 * object ("none" format) built byte by byte, so a test can send what no browser would (attestation statements
 * nested 200,000 deep, oversized ones, another account's ceremony). The credential key is a real P-256 key.
 */
import { createHash, createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { encode } from 'cbor2';

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
/** cbor2 writes a Node Buffer as {type, data}; a plain Uint8Array is a CBOR byte string. */
const u8 = (bytes: Uint8Array) => new Uint8Array(bytes);

export interface CreationOptionsJson {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
}

export interface CraftOptions {
  origin: string;
  /** the attestation statement: any CBOR value, or raw CBOR bytes spliced in as they are */
  attStmt?: unknown;
  attStmtBytes?: Uint8Array;
  aaguid?: string;
  /** extra bytes appended to the attestation object (after the map) */
  trailing?: Uint8Array;
  /** the authenticator data flags; default UP, UV, AT, BE, BS */
  flags?: number;
}

/** A map { fmt, attStmt, authData } in CBOR, with the attStmt value spliced in raw when given as bytes. */
function attestationObject(authData: Uint8Array, options: CraftOptions): Uint8Array {
  const fmt = encode('fmt');
  const none = encode('none');
  const stmtKey = encode('attStmt');
  const stmt = options.attStmtBytes ?? encode(options.attStmt ?? new Map());
  const dataKey = encode('authData');
  const data = encode(u8(authData));
  return Buffer.concat([Buffer.from([0xa3]), fmt, none, stmtKey, stmt, dataKey, data, options.trailing ?? Buffer.alloc(0)]);
}

/** CBOR arrays nested `depth` deep around an empty array: [[[...[]...]]] (0x81 repeated, then 0x80). */
export function nestedArrays(depth: number): Uint8Array {
  return Buffer.concat([Buffer.alloc(depth, 0x81), Buffer.from([0x80])]);
}

/** The credential JSON the browser's toJSON() produces for navigator.credentials.create(). */
export interface SoftwareCredential {
  id: string;
  json: string;
  privateKey: KeyObject;
  rpId: string;
  userHandle: string;
}

export function craftRegistration(options: CreationOptionsJson, craft: CraftOptions): SoftwareCredential {
  const rpId = options.rp.id ?? new URL(craft.origin).hostname;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  const cose = encode(
    new Map<number, unknown>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, u8(Buffer.from(jwk.x, 'base64url'))],
      [-3, u8(Buffer.from(jwk.y, 'base64url'))],
    ]),
  );
  const credentialId = randomBytes(16);
  const flags = craft.flags ?? 0x01 | 0x04 | 0x40 | 0x08 | 0x10; // UP, UV, AT, BE, BS
  const aaguid = Buffer.from((craft.aaguid ?? '00000000-0000-0000-0000-000000000000').replace(/-/g, ''), 'hex');
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(credentialId.length);
  const authData = Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), Buffer.alloc(4), aaguid, idLength, credentialId, cose]);
  const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin: craft.origin, crossOrigin: false }));
  const attestation = attestationObject(authData, craft);
  return {
    id: b64url(credentialId),
    privateKey,
    rpId,
    userHandle: options.user.id,
    json: JSON.stringify({
      id: b64url(credentialId),
      rawId: b64url(credentialId),
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientData),
        attestationObject: b64url(attestation),
        transports: ['internal'],
        publicKeyAlgorithm: -7,
      },
    }),
  };
}

/** A signed assertion for a software credential (what navigator.credentials.get() returns, as toJSON() has it). */
export function craftAssertion(credential: SoftwareCredential, options: { challenge: string }, origin: string, signCount = 1, userHandle = credential.userHandle): string {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(signCount);
  const authData = Buffer.concat([createHash('sha256').update(credential.rpId).digest(), Buffer.from([0x01 | 0x04 | 0x08 | 0x10]), count]);
  const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin, crossOrigin: false }));
  const signer = createSign('SHA256');
  signer.update(Buffer.concat([authData, createHash('sha256').update(clientData).digest()]));
  const signature = signer.sign(credential.privateKey); // DER, as WebAuthn ES256 wants
  return JSON.stringify({
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    authenticatorAttachment: 'platform',
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64url(clientData),
      authenticatorData: b64url(authData),
      signature: b64url(signature),
      userHandle,
    },
  });
}
