import { randomBytes } from 'node:crypto';
import { CreateSecretCommand, PutSecretValueCommand, ResourceExistsException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { StageConfig, SystemName } from '../lib/config/stage-config';
import { clientConfig } from './aws';

/** The JSON each system's Secrets Manager secret holds (the contract the handlers read). */
export interface SystemSecrets {
  readonly erp: { clientId: string; clientSecret: string; cloudeventsWebhookSecret: string; canonicalWebhookSecret: string };
  readonly fleet: { apiToken: string; samsaraWebhookSecret: string; motiveWebhookSecret: string; canonicalWebhookSecret: string };
  readonly cs: { apiToken: string; zendeskWebhookSecret: string; canonicalWebhookSecret: string };
}

/** Webhook signing secrets by dialect, as `.sandbox/endpoints.json` and the simulators name them. */
export interface WebhookSecrets {
  readonly samsara: string;
  readonly motive: string;
  readonly zendesk: string;
  readonly cloudevents: string;
  readonly canonical: string;
}

export interface SandboxSecrets {
  /** Secret name → JSON value, for every system of the stage config. */
  readonly byName: Readonly<Record<string, Record<string, string>>>;
  readonly systems: SystemSecrets;
  readonly webhooks: WebhookSecrets;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * Fresh secrets for one sandbox run. Samsara issues base64 secrets (32 random bytes); the others are
 * random strings. One canonical-dialect secret is shared by all systems.
 */
export function generateSecrets(config: StageConfig): SandboxSecrets {
  const canonicalWebhookSecret = hex(32);
  const systems: SystemSecrets = {
    erp: { clientId: `lsync-sandbox-${hex(4)}`, clientSecret: hex(24), cloudeventsWebhookSecret: hex(32), canonicalWebhookSecret },
    fleet: { apiToken: `samsara_api_${hex(16)}`, samsaraWebhookSecret: randomBytes(32).toString('base64'), motiveWebhookSecret: hex(32), canonicalWebhookSecret },
    cs: { apiToken: hex(20), zendeskWebhookSecret: randomBytes(32).toString('base64'), canonicalWebhookSecret },
  };
  // The secret names come from the stage config; the record type makes a new system a compile error here.
  const byName: Record<string, Record<string, string>> = {};
  for (const system of Object.keys(config.systems) as SystemName[]) {
    byName[config.systems[system].secretName] = { ...systems[system] };
  }
  return {
    byName,
    systems,
    webhooks: {
      samsara: systems.fleet.samsaraWebhookSecret,
      motive: systems.fleet.motiveWebhookSecret,
      zendesk: systems.cs.zendeskWebhookSecret,
      cloudevents: systems.erp.cloudeventsWebhookSecret,
      canonical: canonicalWebhookSecret,
    },
  };
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
