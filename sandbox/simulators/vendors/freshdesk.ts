import { readFileSync } from 'node:fs';

/**
 * Freshdesk's side of the automation webhooks, for the sandbox and tests: written from Freshdesk's documentation,
 * never from our dialect (lambdas/cs/inbound/freshdesk/).
 *
 * Freshdesk sends what the admin configured: an automation rule's "Trigger webhook" action POSTs the rule's body,
 * with its placeholders replaced, and the custom headers the admin entered
 * (https://support.freshdesk.com/support/solutions/articles/132589-using-webhooks-in-automation-rules). The rules
 * are the ones contracts/freshdesk/automation-rules.json keeps (the same docs/webhooks.md tells the customer to
 * create), rendered here the way Freshdesk renders placeholders: `{{ticket.id}}` the number, `{{ticket.status}}`
 * and `{{ticket.priority}}` the labels an agent sees (2 Open … 5 Closed, 1 Low … 4 Urgent:
 * https://developers.freshdesk.com/api/#ticket_properties), `{{ticket.cf_<name>}}` a custom field's value, empty
 * when unset (https://support.freshdesk.com/support/solutions/articles/196562). Nothing is signed.
 */

export interface AutomationRule {
  readonly name: string;
  readonly event: string;
  readonly conditions: string;
  readonly body: string;
}

export interface AutomationRules {
  readonly action: { readonly customHeaders: Readonly<Record<string, string>> };
  readonly rules: readonly AutomationRule[];
}

/** The documented rules (contracts/freshdesk/automation-rules.json). */
export const AUTOMATION_RULES = JSON.parse(readFileSync(new URL('../../../contracts/freshdesk/automation-rules.json', import.meta.url), 'utf8')) as AutomationRules;

/** Status labels by Freshdesk status value (https://developers.freshdesk.com/api/#ticket_properties). */
export const STATUS_LABELS: Readonly<Record<number, string>> = { 2: 'Open', 3: 'Pending', 4: 'Resolved', 5: 'Closed' };
/** Priority labels by value. */
export const PRIORITY_LABELS: Readonly<Record<number, string>> = { 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Urgent' };

/** What the placeholders of a rule read from a ticket. */
export interface PlaceholderTicket {
  readonly id: number;
  readonly status: number;
  readonly priority: number;
  readonly custom_fields: Readonly<Record<string, unknown>>;
}

/** A placeholder's text: JSON-escaped, since the rule's body is JSON text with placeholders inside strings. */
function placeholderValue(ticket: PlaceholderTicket, name: string): string {
  const text = (() => {
    if (name === 'ticket.id') return String(ticket.id);
    if (name === 'ticket.status') return STATUS_LABELS[ticket.status] ?? String(ticket.status);
    if (name === 'ticket.priority') return PRIORITY_LABELS[ticket.priority] ?? String(ticket.priority);
    const custom = /^ticket\.(cf_[a-z0-9_]+)$/.exec(name);
    if (custom) return ticket.custom_fields[custom[1]!] == null ? '' : String(ticket.custom_fields[custom[1]!]);
    throw new Error(`the Freshdesk simulator renders no placeholder {{${name}}}`);
  })();
  return JSON.stringify(text).slice(1, -1);
}

/** The body Freshdesk sends for a rule and a ticket: the rule's template with its placeholders replaced. */
export function renderRule(rule: AutomationRule, ticket: PlaceholderTicket): string {
  return rule.body.replace(/\{\{\s*([a-z0-9_.]+)\s*\}\}/g, (_match, name: string) => placeholderValue(ticket, name));
}

/** The rule whose body sets this `event` literal. */
export function ruleFor(event: string): AutomationRule {
  const rule = AUTOMATION_RULES.rules.find((r) => r.body.includes(`"event": "${event}"`));
  if (!rule) throw new Error(`contracts/freshdesk/automation-rules.json has no rule for ${event}`);
  return rule;
}

/** The headers the Trigger webhook action sends: the admin's custom header with the shared secret, and JSON. */
export function freshdeskWebhookHeaders(secret: string): Record<string, string> {
  const [name] = Object.keys(AUTOMATION_RULES.action.customHeaders);
  return { 'content-type': 'application/json', [name!]: secret };
}
