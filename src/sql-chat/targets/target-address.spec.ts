import { type AddressPolicy, parseAllowedHosts, resolveTarget, TargetAddressError } from './target-address';

const dns: Record<string, string[]> = {
  'db.example.com': ['93.184.216.34'],
  'inside.example.com': ['10.1.2.3'],
  'sneaky.example.com': ['93.184.216.35', '127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'v6.example.com': ['2a00:1450:4001::5'],
  'folio-db.internal': ['10.9.9.9'],
};
const lookup = (host: string) => {
  const answers = dns[host];
  return answers
    ? Promise.resolve(answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))
    : Promise.reject(new Error('ENOTFOUND'));
};

function policy(allowed = '', own: AddressPolicy['own'] = { addresses: ['10.9.9.9'], port: 5432 }): AddressPolicy {
  return { ...parseAllowedHosts(allowed), own };
}

const resolve = (host: string, port = 5432, p = policy()) => resolveTarget(host, port, p, lookup);

describe(resolveTarget.name, () => {
  it('pins a public or private database to the address it resolved to', async () => {
    await expect(resolve('db.example.com')).resolves.toBe('93.184.216.34');
    await expect(resolve('inside.example.com')).resolves.toBe('10.1.2.3');
    await expect(resolve('v6.example.com')).resolves.toBe('2a00:1450:4001::5');
    await expect(resolve('151.101.1.69')).resolves.toBe('151.101.1.69');
  });

  it.each([
    ['127.0.0.1', /loopback/],
    ['localhost.', /could not be resolved/],
    ['[::1]', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['169.254.169.254', /link-local/],
    ['metadata.example.com', /link-local/],
    ['fd00:ec2::254', /cloud metadata/],
    ['224.0.0.1', /multicast/],
    ['mapped.example.com', /127\.0\.0\.1, a loopback/],
    ['sneaky.example.com', /resolves to 127\.0\.0\.1/],
    ['folio-db.internal', /Folio's own database server/],
    ['/var/run/postgresql', /host name or an IP address/],
    ['db.example.com@evil', /host name or an IP address/],
    ['nowhere.example.com', /could not be resolved/],
  ])('refuses %s with a reason', async (host, reason) => {
    const error = await resolve(host).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetAddressError);
    expect((error as Error).message).toMatch(reason);
  });

  it("reaches Folio's own server on another port (another server on that host)", async () => {
    await expect(resolve('folio-db.internal', 6543)).resolves.toBe('10.9.9.9');
  });

  it('admits what the operator allow-lists, by name or by range', async () => {
    await expect(resolve('127.0.0.1', 5432, policy('127.0.0.0/8'))).resolves.toBe('127.0.0.1');
    await expect(resolve('sneaky.example.com', 5432, policy('sneaky.example.com'))).resolves.toBe('93.184.216.35');
    await expect(resolve('folio-db.internal', 5432, policy('10.9.9.9'))).resolves.toBe('10.9.9.9');
    await expect(resolve('::1', 5432, policy('::1/128'))).resolves.toBe('::1');
    // An allow-listed range admits only itself.
    await expect(resolve('169.254.169.254', 5432, policy('127.0.0.0/8'))).rejects.toThrow(/link-local/);
  });
});
