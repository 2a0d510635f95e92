import { describe, expect, it } from 'vitest';
import { redactConnectionString, redactDeep, redactText } from '../../src/core/redact.js';

describe('redaction', () => {
  it('masks the password keys of every provider and keeps the rest byte for byte', () => {
    expect(redactConnectionString('Host=db;Username=app;Password=hunter22;Database=x')).toBe('Host=db;Username=app;Password=***;Database=x');
    expect(redactConnectionString('Server=db;Uid=app;Pwd=p@ss;')).toBe('Server=db;Uid=app;Pwd=***;');
    expect(redactConnectionString('Server=db; password = "a;b""c" ;Database=y')).toBe('Server=db; password =*** ;Database=y');
  });

  it('remembers a password once seen and masks it in any later text', () => {
    redactConnectionString('Server=x;Password=Remember-Me-42');
    expect(redactText('login failed with Remember-Me-42 for user')).toBe('login failed with *** for user');
    expect(redactDeep({ a: ['Remember-Me-42'] })).toEqual({ a: ['***'] });
  });

  it('masks URL credentials', () => {
    expect(redactText('postgres://app:topsecret@db:5432/x')).toBe('postgres://app:***@db:5432/x');
  });
});
