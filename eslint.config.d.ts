/** Types of eslint.config.js for the tests that read its folder boundaries (test/architecture). */
export interface Boundary {
  /** The folder whose files the boundary covers. */
  readonly target: string;
  /** Project folders it may not import from. */
  readonly forbidden: readonly string[];
  /** Per forbidden folder, the files (relative to it) that may still be imported. */
  readonly except?: Readonly<Record<string, readonly string[]>>;
  /** Packages it may not import. */
  readonly packages?: readonly string[];
  /** The reason, shown as the lint message. */
  readonly why: string;
}
export const BOUNDARIES: readonly Boundary[];
declare const config: unknown;
export default config;
