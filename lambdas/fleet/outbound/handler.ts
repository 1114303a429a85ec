import { optionalEnv } from '../../shared/env';
import { createOutboundHandlerFromEnv } from '../../shared/outbound/bootstrap';
import { createFleetPortFromEnv } from '../fleet-clients';
import { FleetOutbound } from './fleet-outbound';

/**
 * Fleet outbound adapter: SQS (fleet-dispatch queue) → Samsara Routes API. Wiring only; see fleet-outbound.ts.
 * `ADDRESS_BOOK_EXTERNAL_ID_KEY` (stage config `systems.fleet.addressBookExternalIdKey`): place stops without
 * coordinates by the fleet address book.
 */
const addressBookKey = optionalEnv('ADDRESS_BOOK_EXTERNAL_ID_KEY');
export const handler = createOutboundHandlerFromEnv(new FleetOutbound(createFleetPortFromEnv(), addressBookKey ? { addressBookKey } : {}));
