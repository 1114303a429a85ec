import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../../registry/catalog';

/** The dashboard section of resources that belong to no system (API, indexer, workflows, quarantine). */
export const PLATFORM = 'platform';

interface Section {
  readonly row: cloudwatch.Row;
  readonly alarms: cloudwatch.IAlarm[];
}

/**
 * The stage's CloudWatch dashboard: a header, the business SLIs, then one technical-health section per system and
 * one for the platform, each with its alarms' status and a row of graphs. Sections are laid out when the
 * dashboard is created and filled as resources are monitored (the dashboard body renders lazily).
 */
export class StageDashboard {
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly sections = new Map<string, Section>();

  constructor(scope: Construct, id: string, props: { readonly stage: string; readonly systems: readonly string[] }) {
    this.dashboard = new cloudwatch.Dashboard(scope, id, { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# logistics-sync — ${props.stage}\nBusiness SLIs first, then technical health per system. Every alarm description links its section of docs/runbook.md; \`lsync health --stage ${props.stage}\` prints the queue and workflow figures.`,
        width: 24,
        height: 2,
      }),
    );
    this.addBusinessSlis();
    for (const section of [...props.systems, PLATFORM]) {
      const alarms: cloudwatch.IAlarm[] = [];
      const row = new cloudwatch.Row();
      this.sections.set(section, { row, alarms });
      const title = section === PLATFORM ? 'Platform (API, indexer, workflows, quarantine)' : section.toUpperCase();
      this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `## ${title}: technical health`, width: 24, height: 1 }));
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: `${title}: alarms`, alarms, width: 24, height: 3, sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP }),
      );
      this.dashboard.addWidgets(row);
    }
  }

  /** Graphs into a system's section (`undefined`: the platform's). */
  public addGraphs(system: string | undefined, widgets: cloudwatch.IWidget[]): void {
    for (const widget of widgets) this.section(system).row.addWidget(widget);
  }

  /** Shows an alarm's status in a system's section (`undefined`: the platform's). */
  public showAlarm(system: string | undefined, alarm: cloudwatch.IAlarm): void {
    this.section(system).alarms.push(alarm);
  }

  private section(system: string | undefined): Section {
    return this.sections.get(system ?? PLATFORM) ?? this.sections.get(PLATFORM)!;
  }

  private addBusinessSlis(): void {
    const search = (metric: string, statistic: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('Namespace="${METRICS_NAMESPACE}" MetricName="${metric}"', '${statistic}', 300)`,
        usingMetrics: {},
        label,
        period: Duration.minutes(5),
      });
    const latency = (title: string, metric: string) =>
      new cloudwatch.GraphWidget({
        title,
        left: [search(metric, 'p50', 'p50'), search(metric, 'p95', 'p95')],
        leftYAxis: { label: 'ms', showUnits: false },
        width: 8,
      });
    const perVendor = (title: string, metric: string) => new cloudwatch.GraphWidget({ title, left: [search(metric, 'Sum', '')], width: 8 });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Business SLIs', width: 24, height: 1 }),
      latency('Dispatch confirmation latency', METRIC_NAMES.dispatchConfirmationLatency),
      latency('POD → invoice cycle time', METRIC_NAMES.podToInvoiceCycleTime),
      latency('Exception → case latency', METRIC_NAMES.exceptionToCaseLatency),
      latency('POD → billing-ready', METRIC_NAMES.podToBillingReadyLatency),
      latency('Billing-ready → invoice', METRIC_NAMES.billingReadyToInvoiceLatency),
      perVendor('Sync failures per target', METRIC_NAMES.syncFailures),
      perVendor('Time waited for the rate limit per target (ms, summed per 5 min)', METRIC_NAMES.rateLimitWait),
      perVendor('Events rejected per vendor', METRIC_NAMES.eventsRejected),
      perVendor('Events ignored per vendor', METRIC_NAMES.eventsIgnored),
      perVendor('Events deduplicated per vendor', METRIC_NAMES.eventsDeduplicated),
      perVendor('Files rejected per file intake (EDI)', METRIC_NAMES.filesRejected),
      new cloudwatch.GraphWidget({
        title: 'Peak memory per function (% of its memory size; alarm at 80 %)',
        left: [search(METRIC_NAMES.memoryUsed, 'Maximum', '')],
        leftYAxis: { min: 0, max: 100, label: '%', showUnits: false },
        width: 8,
      }),
    );
  }
}
