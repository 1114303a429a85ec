import { Duration } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { StageConfig } from '../config/stage-config';

/**
 * Per-system allowance for the "oldest message" alarm: outbound adapters hold a system's backlog during
 * its maintenance windows, so that system's queues may legitimately age by the longest window.
 */
export function maintenanceAllowances(config: StageConfig): Record<string, Duration> {
  return Object.fromEntries(
    Object.entries(config.systems).map(([system, cfg]) => [
      system,
      Duration.minutes(Math.max(0, ...cfg.maintenanceWindows.map((w) => w.durationMinutes))),
    ]),
  );
}

export interface MonitoringProps {
  /** Stage name, shown on the dashboard. */
  readonly stage: string;
  /** The on-call topic every alarm notifies. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Age of the oldest message in a work queue that raises the backlog alarm.
   * @default Duration.minutes(15)
   */
  readonly queueAgeThreshold?: Duration;
  /**
   * Extra backlog age allowed per system (key: system name as it appears in the queue's construct path,
   * e.g. `erp`), typically its longest maintenance window (see {@link maintenanceAllowances}).
   * @default - no allowance
   */
  readonly queueAgeAllowances?: Readonly<Record<string, Duration>>;
  /**
   * How many times `lsync dlq redrive` may send one message back before quarantining it.
   * @default 3
   */
  readonly maxRedrives?: number;
  /**
   * How long the quarantine queue keeps a message (its own DLQ keeps it one day longer, at most 14 days).
   * @default Duration.days(13)
   */
  readonly quarantineRetention?: Duration;
  /**
   * API Gateway 5xx rate (percent of requests, per 5 minutes, 2 of 3 periods) that raises the alarm.
   * @default 1
   */
  readonly api5xxRatePercent?: number;
  /**
   * API Gateway 4xx rate (percent of requests, per 5 minutes, 3 of 3 periods) that raises the alarm.
   * Throttled webhooks are answered 429 and count here.
   * @default 10
   */
  readonly api4xxRatePercent?: number;
  /**
   * Lambda error rate (percent of invocations, per 5 minutes, 2 of 3 periods) that raises the alarm.
   * @default 5
   */
  readonly functionErrorRatePercent?: number;
  /** System names used to group the dashboard's technical-health rows. @default SYSTEMS (registry/systems.ts) */
  readonly systems?: readonly string[];
}
