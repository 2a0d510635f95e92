/** The AAGUID of a stored attestation object, for `stats`: the "none" fast path and cbor2 agree. */
import { decode, encode } from 'cbor2';
import { describe, expect, it } from 'vitest';
import { aaguidOf } from '../../src/read/database/adoption.js';

const AAGUID = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const authData = (flags = 0x45) =>
  new Uint8Array(Buffer.concat([Buffer.alloc(32, 7), Buffer.from([flags]), Buffer.alloc(4), Buffer.from(AAGUID.replace(/-/g, ''), 'hex'), Buffer.from([0, 2, 9, 9, 0xa0])]));
const object = (fmt: string, attStmt: Map<string, unknown>, data = authData()) =>
  encode(
    new Map<string, unknown>([
      ['fmt', fmt],
      ['attStmt', attStmt],
      ['authData', data],
    ]),
  );

describe('aaguidOf', () => {
  it('reads the "none" format in place, and the same as cbor2 does', () => {
    let decoded = 0;
    const counting = (b: Uint8Array) => (decoded++, decode(b));
    expect(aaguidOf(object('none', new Map()), counting)).toBe(AAGUID);
    expect(decoded).toBe(0);
  });

  it('other formats go through cbor2', () => {
    let decoded = 0;
    const counting = (b: Uint8Array) => (decoded++, decode(b));
    const packed = object(
      'packed',
      new Map<string, unknown>([
        ['alg', -7],
        ['sig', new Uint8Array([1, 2, 3])],
      ]),
    );
    expect(aaguidOf(packed, counting)).toBe(AAGUID);
    expect(decoded).toBe(1);
  });

  it('no attested credential data (flag AT clear), or not CBOR: null', () => {
    expect(aaguidOf(object('none', new Map(), authData(0x05)), decode)).toBeNull();
    expect(aaguidOf(new Uint8Array([0xff, 0x00, 0x13]), decode)).toBeNull();
  });
});
