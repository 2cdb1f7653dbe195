// An input file's refusals name the option at fault: by its name for the stage, as a flag for the CLI.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputFile } from '../../src/data/input.js';
import { serializeSafetensors } from '../../src/io/safetensors.js';
import { tensor } from '../../src/net/tensor.js';
import { defaultSpec } from '../../src/net/zoo.js';
import { wordings } from '../wordings.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-input-'));
const spec = defaultSpec({ arch: 'dl-vgg9' });

describe('readInputFile refusals', () => {
  it('asks for a tensor name when a file holds several and none has a known name', () => {
    const path = join(dir, 'two.safetensors');
    writeFileSync(
      path,
      serializeSafetensors(
        new Map([
          ['a', tensor([1])],
          ['b', tensor([1])],
        ]),
      ),
    );
    expect(wordings(() => readInputFile(path, spec))).toEqual({
      message: `${path}: holds 2 tensors; name one with tensor (has: a, b)`,
      flags: `${path}: holds 2 tensors; name one with --tensor (has: a, b)`,
    });
  });

  it('refuses an image as pre-encoded spikes', () => {
    const path = join(dir, 'x.png');
    expect(wordings(() => readInputFile(path, spec, { spikes: true }))).toEqual({
      message: `input-spikes needs a .npy or .safetensors tensor, not the image ${path}`,
      flags: `--input-spikes needs a .npy or .safetensors tensor, not the image ${path}`,
    });
  });
});
