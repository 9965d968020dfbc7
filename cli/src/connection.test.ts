import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConnection } from './connection';

const dir = mkdtempSync(join(tmpdir(), 'iotreg-connection-'));
const profiles = join(dir, 'profiles.json');
const clients = join(dir, 'clients.json');
writeFileSync(profiles, JSON.stringify({ ops: { gateway: 'http://profile:1', token: 'profile-token', mspId: 'Org2MSP' } }));
writeFileSync(
  clients,
  JSON.stringify({
    channel: 'iot',
    chaincode: 'device-registry',
    orgs: { Org1MSP: { gateway: 'http://org1:7080', tokens: { admin: 'org1-admin', auditor: 'org1-auditor' } } },
  }),
);
const env = { IOTREG_PROFILES: profiles, IOTREG_CLIENTS: clients };

describe('resolveConnection', () => {
  test('flags alone', () => {
    expect(resolveConnection({ gateway: 'http://flag:1', token: 't' }, {})).toEqual({ gateway: 'http://flag:1', token: 't' });
  });

  test('environment when no flag is given', () => {
    expect(resolveConnection({}, { IOTREG_GATEWAY: 'http://env:1', IOTREG_TOKEN: 'e' })).toEqual({ gateway: 'http://env:1', token: 'e' });
  });

  test('a profile wins over the environment, a flag over the profile', () => {
    const withEnv = { ...env, IOTREG_GATEWAY: 'http://env:1', IOTREG_TOKEN: 'e' };
    expect(resolveConnection({ profile: 'ops' }, withEnv)).toEqual({
      gateway: 'http://profile:1',
      token: 'profile-token',
      mspId: 'Org2MSP',
    });
    expect(resolveConnection({ profile: 'ops', token: 'flag' }, withEnv)).toMatchObject({ gateway: 'http://profile:1', token: 'flag' });
  });

  test('the profile file defaults to ~/.iotreg.json', () => {
    writeFileSync(join(dir, '.iotreg.json'), JSON.stringify({ home: { gateway: 'http://home:1', token: 'h' } }));
    expect(resolveConnection({ profile: 'home' }, { HOME: dir })).toEqual({ gateway: 'http://home:1', token: 'h' });
  });

  test('--org with --role reads the clients file, and names the org', () => {
    expect(resolveConnection({ org: 'Org1MSP', role: 'auditor' }, env)).toEqual({
      gateway: 'http://org1:7080',
      token: 'org1-auditor',
      mspId: 'Org1MSP',
    });
    expect(resolveConnection({ org: 'Org1MSP' }, env).token).toBe('org1-admin');
  });

  test.each([
    ['no gateway: give --gateway URL, IOTREG_GATEWAY, --profile NAME or --org MSP', {}, {}],
    ['no token: give --token T, IOTREG_TOKEN, --profile NAME or --org MSP --role ROLE', { gateway: 'http://g:1' }, {}],
    ['gateway "not a url" is not a URL', { gateway: 'not a url', token: 't' }, {}],
    ['give --profile or --org, not both', { profile: 'ops', org: 'Org1MSP' }, env],
    ['--role goes with --org', { gateway: 'http://g:1', token: 't', role: 'auditor' }, {}],
    [`no profile "nobody" in ${profiles}`, { profile: 'nobody' }, env],
    [`no org "Org9MSP" in ${clients} (has: Org1MSP)`, { org: 'Org9MSP' }, env],
    ['--role must be one of admin, vendor, auditor', { org: 'Org1MSP', role: 'root' }, env],
    ['no token: give --token T, IOTREG_TOKEN, --profile NAME or --org MSP --role ROLE', { org: 'Org1MSP', role: 'vendor' }, env],
    [`cannot read the profile file ${join(dir, 'missing.json')}`, { profile: 'ops' }, { IOTREG_PROFILES: join(dir, 'missing.json') }],
  ])('refused: %s', (message, options, environment) => {
    expect(() => resolveConnection(options, environment)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message }));
  });
});
