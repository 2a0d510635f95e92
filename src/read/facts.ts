/** Shared vocabulary of the read stage (the engine-neutral names live in model/schema.ts). */
export type { IdentityTableRole, ProviderName } from '../model/schema.js';

export type UiShape = 'identity-ui-default' | 'identity-ui-scaffolded' | 'mvc-controllers' | 'unknown';
