import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { requireEnv } from '../../shared/env';
import { flushMetrics, logger, metrics } from '../../shared/observability';
import { secretFieldsFromSecretsManager } from '../../shared/outbound/secrets';
import { createBcApiFromEnv } from './bc-client';
import { bcSubscriptionResources, ensureSubscriptions } from './subscriptions';

/**
 * Scheduled (every 12 hours, and once at deploy): creates the sales order and sales invoice subscriptions when
 * missing and renews each when less than 36 hours are left of BC's three days (subscriptions.ts). The clientState is the
 * webhook secret `businessCentralClientState` of the ERP secret, so a rotated secret reaches BC at the next run.
 * A failure throws: the function's error alarm (runbook "BcSubscriptionRenewalFailed") fires with a day to spare.
 * Env: as createBcApiFromEnv, plus `BC_NOTIFICATION_URL` (the stage's `/webhooks/erp/business-central`).
 */
const api = createBcApiFromEnv();
const clientState = secretFieldsFromSecretsManager(requireEnv('SECRET_NAME'), ['businessCentralClientState']);

export const handler = async (): Promise<{ created: string[]; renewed: string[]; kept: string[] }> => {
  try {
    const { businessCentralClientState } = await clientState();
    const result = await ensureSubscriptions(api, { notificationUrl: requireEnv('BC_NOTIFICATION_URL'), resources: bcSubscriptionResources(api.companyId), clientState: businessCentralClientState }, new Date());
    metrics.addMetric('BcSubscriptionsRenewed', MetricUnit.Count, result.renewed.length + result.created.length);
    logger.info('Business Central subscriptions ensured', result);
    return result;
  } catch (error) {
    metrics.addMetric('BcSubscriptionRenewalFailed', MetricUnit.Count, 1);
    logger.error('Business Central subscription renewal failed', { error: error as Error });
    throw error;
  } finally {
    flushMetrics();
  }
};
