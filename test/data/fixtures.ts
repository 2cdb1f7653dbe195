// Builders for tiny on-disk fixtures: palette PNGs, greyscale PNGs, JPEGs and .npy bytes, written by hand.

import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An 8-bit palette PNG (colour type 3), as VOC's SegmentationClass files are; pngjs cannot write these. */
export function palettePng(indices: Uint8Array, width: number, height: number, palette: Array<[number, number, number]>): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 3; // palette
  const plte = Buffer.from(palette.flat());
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) Buffer.from(indices.subarray(y * width, (y + 1) * width)).copy(raw, y * (width + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(
    Buffer.concat([signature, chunk('IHDR', ihdr), chunk('PLTE', plte), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]),
  );
}

/** An 8-bit greyscale PNG (SBD SegmentationClassAug and EV-SegNet labels), written with pngjs. */
export function greyPng(values: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set([values[i]!, values[i]!, values[i]!, 255], i * 4);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0 }));
}

/** A JPEG of RGB bytes (HWC) at high quality. */
export function jpegOf(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255], i * 4);
  return new Uint8Array(jpeg.encode({ data: rgba, width, height }, 100).data);
}

/** .npy bytes (format 1.0) for a C-order little-endian array given as raw element bytes. */
export function npyBytes(descr: string, shape: number[], body: Uint8Array, options: { fortran?: boolean; version?: 1 | 2 } = {}): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const version = options.version ?? 1;
  const lenBytes = version === 1 ? 2 : 4;
  // A structured dtype is a list of fields, written as numpy writes it: [('t', '<i8'), ...].
  let dict = `{'descr': ${descr.startsWith('[') ? descr : `'${descr}'`}, 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  dict += ' '.repeat((64 - ((8 + lenBytes + dict.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(8 + lenBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(dict.length, 8);
  else head.writeUInt32LE(dict.length, 8);
  return new Uint8Array(Buffer.concat([head, Buffer.from(dict, 'latin1'), Buffer.from(body)]));
}

export function float32Npy(shape: number[], values: ArrayLike<number>): Uint8Array {
  return npyBytes('<f4', shape, new Uint8Array(Float32Array.from(values).buffer));
}
