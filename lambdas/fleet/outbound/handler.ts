import { createOutboundHandlerFromEnv } from '../../shared/outbound/bootstrap';
import { createFleetClientFromEnv } from '../fleet-client';
import { FleetOutbound } from './fleet-outbound';

/** Fleet outbound adapter: SQS (fleet-dispatch queue) → fleet Routes API. Wiring only; see fleet-outbound.ts. */
export const handler = createOutboundHandlerFromEnv(new FleetOutbound(createFleetClientFromEnv()));
