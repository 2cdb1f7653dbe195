// NIR interchange: read and write NIR graphs (HDF5 via h5wasm), import them as custom networks, export spikemesh networks.
export * from './types.js';
export { parseNir, serializeNir, NIR_MAJOR, NIR_WRITE_VERSION } from './read.js';
export { flattenGraph, type FlatGraph } from './graph.js';
export { neuronFromNir, neuronToNir } from './neurons.js';
export { DEFAULT_NIR_DT, DEFAULT_NIR_TIMESTEPS, nirToNetwork } from './import.js';
export { foldBnttOverTime, modelToNir } from './export.js';
export { loadCustomBundle, storedNetwork, validateCustomModel, withOverride } from './custom.js';
export { exportNirFile, importNirModel, isNirPath, readNirFile } from './model.js';
