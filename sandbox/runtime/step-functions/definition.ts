import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * How the template's definitions are prepared for the interpreter (aws-local-stepfunctions), which differs
 * from AWS in two ways the sandbox corrects: a default task timeout, and no task tokens.
 */

const TOKEN_PLACEHOLDER = '__SANDBOX_TASK_TOKEN__';
/** AWS has no default task timeout; the interpreter defaults to 60 s, so the sandbox sets one (~23 days, below Node's timer maximum). */
const UNBOUNDED_TASK_TIMEOUT_SECONDS = 2_000_000;

export type StateNode = Record<string, unknown> & { Type?: string; Resource?: string; Parameters?: unknown };

function eachState(definition: { States?: Record<string, StateNode> }, visit: (name: string, state: StateNode) => void): void {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    visit(name, state);
    for (const branch of (state.Branches ?? []) as { States?: Record<string, StateNode> }[]) eachState(branch, visit);
    for (const key of ['Iterator', 'ItemProcessor'] as const) {
      if (state[key]) eachState(state[key] as { States?: Record<string, StateNode> }, visit);
    }
  }
}

/** `"TaskToken.$": "$$.Task.Token"` → a placeholder the task handler swaps for a fresh token per attempt. */
function replaceTokenPaths(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(replaceTokenPaths);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.endsWith('.$') && item === '$$.Task.Token') out[key.slice(0, -2)] = TOKEN_PLACEHOLDER;
    else out[key] = replaceTokenPaths(item);
  }
  return out;
}

/** Puts a task's fresh token where {@link prepareDefinition} left the placeholder. */
export function replacePlaceholder(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replacePlaceholder(v, token));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replacePlaceholder(v, token)]));
}

/**
 * Prepares a definition for the interpreter: every Task gets AWS's unbounded timeout unless it sets one,
 * and `$$.Task.Token` paths become a placeholder (the interpreter has no task tokens).
 */
export function prepareDefinition(definition: string): { definition: StateMachineDefinition; tasks: Map<string, StateNode> } {
  const parsed = JSON.parse(definition) as StateMachineDefinition & { States: Record<string, StateNode> };
  const tasks = new Map<string, StateNode>();
  eachState(parsed, (name, state) => {
    if (state.Type !== 'Task') return;
    if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = UNBOUNDED_TASK_TIMEOUT_SECONDS;
    if (String(state.Resource).endsWith('.waitForTaskToken') && state.Parameters !== undefined) state.Parameters = replaceTokenPaths(state.Parameters);
    tasks.set(name, state);
  });
  return { definition: parsed, tasks };
}
