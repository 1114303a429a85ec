import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';

/** A canonical schema ready for the registry: a self-contained draft-4 document. */
export interface RegistrySchema {
  /** Canonical event type, e.g. `order.released`; also the EventBridge `detail-type`. */
  readonly eventType: string;
  /** Major schema version (`metadata.schemaVersion`); versions of one type are registered side by side. */
  readonly version: string;
  /** Draft-4 JSON Schema of the event's `detail`. */
  readonly content: object;
}

export interface CanonicalBusProps {
  /** How long the archive keeps events for `lsync replay`. */
  readonly archiveRetention: Duration;
  /**
   * Canonical schemas to register.
   * @default - no schema registry is created
   */
  readonly schemas?: readonly RegistrySchema[];
  /** Human description of the bus. @default 'logistics-sync canonical events' */
  readonly description?: string;
}

/**
 * The one custom bus every canonical event goes through, with an archive of everything published to it
 * (for replay) and a schema registry holding the canonical event schemas.
 */
export class CanonicalBus extends Construct {
  public readonly bus: events.EventBus;
  public readonly archive: events.Archive;
  public readonly registry?: eventschemas.CfnRegistry;

  constructor(scope: Construct, id: string, props: CanonicalBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { description: props.description ?? 'logistics-sync canonical events' });
    this.archive = this.bus.archive('Archive', {
      description: 'Every canonical event, for lsync replay',
      // An archive needs a pattern; matching on the account keeps every event published to this bus.
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetention,
    });
    if (props.schemas && props.schemas.length > 0) {
      this.registry = new eventschemas.CfnRegistry(this, 'SchemaRegistry', {
        description: 'logistics-sync canonical event schemas (source of truth: schemas/ in the repository)',
      });
      for (const schema of props.schemas) {
        new eventschemas.CfnSchema(this, `Schema-${schema.eventType}-v${schema.version}`, {
          registryName: this.registry.attrRegistryName,
          // Names only need to be unique inside this stack's own (generated-name) registry.
          schemaName: `logistics-sync@${schema.eventType}.v${schema.version}`,
          type: 'JSONSchemaDraft4',
          content: JSON.stringify(schema.content),
          description: `Canonical event ${schema.eventType}, schema version ${schema.version}`,
        });
      }
    }
  }
}
