// Checkpoint loading and saving: bundles, PyTorch .pth (restricted unpickler), safetensors, NIR graphs, key layouts.
export * from './types.js';
export * from './files.js';
export * from './output.js';
export { parseSafetensors, serializeSafetensors, type SafetensorsFile, type U8Tensor } from './safetensors.js';
export * from './pickle.js';
export * from './pth.js';
export * from './adapters.js';
export * from './bundle.js';
export * from './checkpoint.js';
export { parseRenameRule, parseRenameRules, renameKeys, MAX_RENAME_RULES, type RenameRule } from './rename.js';
export * from './nir/index.js';
