import { isUuid, uuidv5, uuidv7 } from './uuid';

describe('uuid', () => {
  it('uuidv7 is a valid, time-ordered version 7 UUID', () => {
    const a = uuidv7(1_700_000_000_000);
    const b = uuidv7(1_700_000_000_001);
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(a[19]);
    expect(a < b).toBe(true);
  });

  it('uuidv5 matches the RFC 9562 test vector and is deterministic', () => {
    // RFC 9562 appendix A.4: name "www.example.com" in the DNS namespace.
    expect(uuidv5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    expect(uuidv5('x', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      uuidv5('x', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'),
    );
  });
});
