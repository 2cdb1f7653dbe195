// Hardware stage: core profile specs (cores/*.json) and their loader.
export * from './types.js';
export * from './profile.js';
