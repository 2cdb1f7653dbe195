// Profile fields have documented ranges and the name is a safe identifier: an absurd or hostile profile is refused in
// one line naming the file and the field, before the mapper allocates for it or writes a file named after it.

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { registerMap } from '../../src/cli/map.js';
import { InputError, UserError } from '../../src/errors.js';
import type { CoreProfile } from '../../src/hw/types.js';
import {
  MAX_AXON_TYPES,
  MAX_BUFFER_PACKETS,
  MAX_CORES_PER_CHIP,
  MAX_CORES_PER_ROUTER,
  MAX_ENERGY_PJ,
  MAX_MESH_SIDE,
  MAX_PACKETS_PER_NS,
  MAX_PER_CORE,
  MAX_SYNAPSE_BITS,
  MAX_TIME_NS,
  parseProfile,
} from '../../src/hw/profile.js';
import { mapNetwork } from '../../src/mapping/map.js';
import { acceptsOrRefusesInOneLine, hostileValue, leafPaths, replaced } from '../io/mutate.js';
import { convChain, profileJson } from '../mapping/helpers.js';

/** The one-line message a bad profile raises. */
function problem(json: unknown, file = 'cores/bad.json'): string {
  try {
    parseProfile(json, file);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toMatch(/[\r\n]/);
    return (e as Error).message;
  }
  throw new Error('profile was accepted');
}

/** Every numeric field's `value` path and its largest accepted value. */
const NUMERIC: Array<[path: string, max: number]> = [
  ['neuronsPerCore', MAX_PER_CORE],
  ['fanInAxonsPerCore', MAX_PER_CORE],
  ['fanOutAxonsPerCore', MAX_PER_CORE],
  ['fanOutCoresPerNeuron', MAX_PER_CORE],
  ['synapseMemoryBits', MAX_SYNAPSE_BITS],
  ['axonTypes', MAX_AXON_TYPES],
  ['weightBits', 32],
  ['membraneBits', 64],
  ['coresPerChip', MAX_CORES_PER_CHIP],
  ['coresPerRouter', MAX_CORES_PER_ROUTER],
  ...[
    'synOp',
    'mac',
    'neuronUpdateInactive',
    'neuronUpdateActive',
    'spikeOut',
    'hopEW',
    'hopNS',
    'chipHop',
    'messageIn',
    'spikeNeuron',
    'staticPerCorePerStep',
  ].map((k): [string, number] => [`energyPJ.${k}`, MAX_ENERGY_PJ]),
  ...['synOp', 'neuronUpdate', 'hopEW', 'hopNS', 'chipHop', 'barrier', 'messageOut', 'messageIn', 'spikeNeuron', 'routerDelay'].map((k): [string, number] => [
    `timeNs.${k}`,
    MAX_TIME_NS,
  ]),
  ...['linkPacketsPerNs', 'chipLinkPacketsPerNs', 'hostPacketsPerNs'].map((k): [string, number] => [`noc.${k}`, MAX_PACKETS_PER_NS]),
  ['noc.bufferPackets', MAX_BUFFER_PACKETS],
];

describe('profile ranges', () => {
  it('refusesAnEnormousMeshNamingTheFieldAndItsRange', () => {
    expect(problem(profileJson('loihi', { coreMesh: { x: 1e6, y: 1e6 } }))).toBe(
      `cores/bad.json: coreMesh.value.x: must be ≤ ${MAX_MESH_SIDE.toLocaleString('en-US')} (routers along a side of a chip), got 1000000`,
    );
    expect(problem(profileJson('loihi', { chipMesh: { x: 4, y: 1e9 } }))).toMatch(
      /^cores\/bad\.json: chipMesh\.value\.y: must be ≤ 1,024 \(chips along a side of the system\), got 1000000000$/,
    );
    expect(problem(profileJson('truenorth', { coreMesh: { x: 1024, y: 1024 }, coresPerChip: 2 ** 20, coresPerRouter: 4 }))).toMatch(
      /coresPerChip\.value: 1048576 does not equal coreMesh 1024×1024 routers × 4/,
    );
  });

  it('refusesEveryNumericFieldOutsideItsRangeInOneLine', () => {
    const beyond = (max: number) => fc.constantFrom(max * 2 + 1, 1e300, -1, 1.5);
    fc.assert(
      fc.property(
        fc.constantFrom(...NUMERIC).chain(([path, max]) => fc.tuple(fc.constant(path), beyond(max))),
        ([path, value]) => {
          const whole = !path.includes('.');
          if (!whole && value === 1.5) return; // fractional energies and times are fine
          expect(problem(profileJson('loihi', { [path]: value }))).toMatch(
            new RegExp(`^cores/bad\\.json: ${path.replace('.', '\\.')}\\.value: (energy )?must be`),
          );
        },
      ),
      { numRuns: 120 },
    );
  });

  it('acceptsEachFieldAtTheTopOfItsRange', () => {
    for (const [path, max] of NUMERIC) {
      if (path === 'coresPerChip' || path === 'coresPerRouter') continue; // tied to the mesh: below
      if (path === 'axonTypes') expect(parseProfile(profileJson('truenorth', { axonTypes: max }), 'x.json').axonTypes).toBe(max);
      else expect(() => parseProfile(profileJson('loihi', { [path]: max }), 'x.json')).not.toThrow();
    }
    const chip = parseProfile(
      profileJson('loihi', {
        coreMesh: { x: MAX_MESH_SIDE, y: 16 },
        coresPerRouter: MAX_CORES_PER_ROUTER,
        coresPerChip: MAX_CORES_PER_CHIP,
        chipMesh: { x: MAX_MESH_SIDE, y: MAX_MESH_SIDE },
      }),
      'x.json',
    );
    expect(chip.coresPerChip).toBe(2 ** 20);
  });
});

describe('a profile with any field replaced', () => {
  it('isRefusedInOneLineOrMapsANetwork', () => {
    const net = convChain({ c: 1, h: 6, w: 6 }, [{ c: 3, k: 3, dilation: 1 }]);
    for (const base of ['loihi', 'truenorth', 'ideal-45nm']) {
      const json = profileJson(base);
      fc.assert(
        fc.property(fc.constantFrom(...leafPaths(json)), hostileValue, (at, v) => {
          let profile: CoreProfile | undefined;
          if (!acceptsOrRefusesInOneLine('hostile.json', () => (profile = parseProfile(replaced(json, at, v), 'hostile.json')))) return;
          try {
            mapNetwork(net, profile!);
          } catch (e) {
            // A profile the network does not fit is the mapper's refusal, worded by layer, not by file.
            expect(e).toBeInstanceOf(UserError);
            expect((e as Error).message).not.toMatch(/[\r\n]/);
          }
        }),
        { numRuns: 100 },
      );
    }
  });
});

describe('profile names', () => {
  const named = (name: unknown) => ({ ...profileJson('loihi'), name });

  it('refusesANameThatIsNotASafeIdentifier', () => {
    for (const name of ['../escape', '../../etc/x', 'a/b', 'a\\b', '.hidden', '..', 'two words', '', 'x'.repeat(65), 'new\nline'])
      expect(problem(named(name))).toMatch(
        /^cores\/bad\.json: name: must (be a safe identifier: letters, digits, '\.', '_' and '-', not starting with '\.'|be at most 64 characters), got /,
      );
    expect(problem(named(7))).toMatch(/^cores\/bad\.json: name: expected string, received number, got 7$/);
  });

  it('acceptsIdentifiers', () => {
    for (const name of ['loihi', 'loihi2-like', 'ideal-45nm', 'my_core.v2', '_x', '-x']) expect(parseProfile(named(name), 'x.json').name).toBe(name);
  });

  it('keepsMapFromWritingAMappingNamedAfterAHostileProfile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'profile-name-'));
    const file = join(dir, 'evil.json');
    writeFileSync(file, JSON.stringify(named('../../escape')));
    const program = new Command().exitOverride();
    registerMap(program);
    const args = [
      '--arch',
      'dl-vgg9',
      '--size',
      '16',
      '--width',
      '1/16',
      '--classes',
      '3',
      '--timesteps',
      '2',
      '--profile',
      file,
      '--out',
      join(dir, 'm.mapping.msgpack'),
    ];
    await expect(program.parseAsync(['node', 'spikemesh', 'map', ...args])).rejects.toThrow(`${file}: name: must be a safe identifier`);
    expect(readdirSync(dir)).toEqual(['evil.json']);
  });
});
