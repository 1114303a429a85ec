import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, PutSecretValueCommand, ResourceExistsException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { apiVendor } from '../registry/api-vendors';
import { SYSTEMS, type SystemName } from '../registry/systems';
import { dialectsOf, type DialectRoute } from '../registry/vendors';
import type { StageConfig } from '../lib/config/stage-config';
import { clientConfig } from './aws';

/**
 * The JSON each system's Secrets Manager secret holds (the contract the handlers read): the API credentials of
 * system's API vendor (registry/api-vendors.ts) and the signing secret of each of its dialects (registry/vendors.ts).
 */
export type SystemSecrets = Readonly<Record<SystemName, Readonly<Record<string, string>>>>;

/** Webhook signing secrets by dialect route (`samsara`, `zendesk`, …, `canonical`), as `.sandbox/endpoints.json` and the simulators name them. */
export type WebhookSecrets = Readonly<Record<DialectRoute, string>>;

export interface SandboxSecrets {
  /** Secret name → JSON value, for every system of the stage config. */
  readonly byName: Readonly<Record<string, Record<string, string>>>;
  readonly systems: SystemSecrets;
  readonly webhooks: WebhookSecrets;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** A made-up credential of the kind each API field holds. */
function apiCredential(field: string): string {
  if (field === 'clientId') return `lsync-sandbox-${hex(4)}`;
  if (field === 'apiToken') return `sandbox_api_${hex(16)}`;
  if (field.endsWith('Email')) return `lsync-sandbox-${hex(4)}@example.com`;
  return hex(24);
}

/**
 * Fresh secrets for one sandbox run, from the registry: each system's required API fields, and one signing secret
 * per dialect — 32 random bytes in base64 where the vendor issues base64 secrets (Samsara, Zendesk), else a random
 * string. One canonical-dialect secret is shared by all systems.
 */
export function generateSecrets(config: StageConfig): SandboxSecrets {
  const canonical = hex(32);
  const webhooks: Record<string, string> = { canonical };
  const systems = {} as Record<SystemName, Record<string, string>>;
  for (const system of SYSTEMS) {
    const json: Record<string, string> = {};
    for (const field of apiVendor(system, config.systems[system].vendor).secretFields) if (!field.endsWith('?')) json[field] = apiCredential(field);
    for (const dialect of dialectsOf(system)) {
      webhooks[dialect.route] ??= dialect.secretEncoding === 'base64' ? randomBytes(32).toString('base64') : hex(32);
      json[dialect.secretField] = webhooks[dialect.route];
    }
    systems[system] = json;
  }
  const byName: Record<string, Record<string, string>> = {};
  for (const system of SYSTEMS) byName[config.systems[system].secretName] = { ...systems[system] };
  return { byName, systems, webhooks: webhooks as WebhookSecrets };
}

/** Creates (or overwrites) every secret in the emulator's Secrets Manager, before any function starts. */
export async function createSecrets(endpoint: string, secrets: SandboxSecrets): Promise<void> {
  const client = new SecretsManagerClient(clientConfig(endpoint));
  try {
    await Promise.all(
      Object.entries(secrets.byName).map(async ([name, value]) => {
        const SecretString = JSON.stringify(value);
        try {
          await client.send(new CreateSecretCommand({ Name: name, SecretString, Description: 'logistics-sync sandbox (generated per run)' }));
        } catch (error) {
          if (!(error instanceof ResourceExistsException)) throw error;
          await client.send(new PutSecretValueCommand({ SecretId: name, SecretString }));
        }
      }),
    );
  } finally {
    client.destroy();
  }
}
