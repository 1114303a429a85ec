import { randomUUID } from 'node:crypto';
import type { ApiVendorsOf } from '../../registry/api-vendors';
import type { BusinessCentralServer } from './business-central-server';
import type { ErpSimulator } from './erp';
import type { CustomerContract, ErpOrder } from './erp-data';
import { XSUAA_PATH } from './erp-oauth';
import { bcSeedFromErpOrder, businessCentralScenarioPort, genericErpScenarioPort, type ErpScenarioPort } from './erp-port';

/** The simulated ERPs (one per ERP vendor of registry/api-vendors.ts). */
export interface ErpVendorSimulators {
  readonly 'generic-erp': ErpSimulator;
  readonly 'business-central': BusinessCentralServer;
}

/** The generic ERP's contract as a row of the extension's customerContracts page (flat fields). */
function bcContractRow(contract: CustomerContract): object {
  const penalties = contract.penaltyTerms?.percentOfOrderValue ?? {};
  return {
    customerNo: contract.customerId,
    contractNo: contract.contractId,
    productCategory: contract.productCategory,
    hasTemperatureRange: contract.temperatureRange !== null,
    ...(contract.temperatureRange ?? {}),
    ...(contract.sla.deliveryWindowHours !== undefined ? { deliveryWindowHours: contract.sla.deliveryWindowHours } : {}),
    ...(contract.sla.exceptionResponseMinutes !== undefined ? { exceptionResponseMinutes: contract.sla.exceptionResponseMinutes } : {}),
    ...(contract.accountTeamEmail ? { accountTeamEmail: contract.accountTeamEmail } : {}),
    ...(penalties['temperature-excursion'] !== undefined ? { excursionPenaltyPercent: penalties['temperature-excursion'] } : {}),
    ...(penalties.delay !== undefined ? { delayPenaltyPercent: penalties.delay } : {}),
    ...(penalties['failed-delivery'] !== undefined ? { failedDeliveryPenaltyPercent: penalties['failed-delivery'] } : {}),
    ...(penalties.damage !== undefined ? { damagePenaltyPercent: penalties.damage } : {}),
    ...(contract.penaltyTerms?.capPercentOfOrderValue !== undefined ? { penaltyCapPercent: contract.penaltyTerms.capPercentOfOrderValue } : {}),
  };
}

/** The ship-from location of a Business Central sandbox stage: the generic ERP's DC, which the fleet's address book knows. */
export const BC_SANDBOX_SHIP_FROM = 'DC-01';

/**
 * Per ERP vendor of the registry: the stage settings that point the stage at its simulator (`erp`, and what the
 * vendor needs of other systems: `fleet`), and its scenario port. A registry vendor without an entry is a type error,
 * as in lambdas/erp/erp-clients.ts.
 */
export const ERP_VENDOR_SIMULATORS: {
  readonly [V in ApiVendorsOf<'erp'>]: { stage(sims: ErpVendorSimulators): { erp: Record<string, unknown>; fleet?: Record<string, unknown> }; port(sims: ErpVendorSimulators): ErpScenarioPort };
} = {
  // The generic ERP issues tokens as SAP BTP's XSUAA does, on its own path.
  'generic-erp': {
    stage: (sims) => ({ erp: { apiBaseUrl: sims['generic-erp'].url, tokenUrl: `${sims['generic-erp'].url}${XSUAA_PATH}/oauth/token` } }),
    port: (sims) => genericErpScenarioPort(sims['generic-erp']),
  },
  // BC's sales orders carry addresses but no coordinates: the fleet places stops by its address book (erp.location).
  'business-central': {
    stage: (sims) => {
      const bc = sims['business-central'];
      return {
        erp: { apiBaseUrl: bc.apiBaseUrl, tokenUrl: bc.tokenUrl, businessCentral: { companyId: bc.sim.companyId, shipFromLocation: BC_SANDBOX_SHIP_FROM } },
        fleet: { addressBookExternalIdKey: 'erp.location' },
      };
    },
    port: (sims) =>
      businessCentralScenarioPort(sims['business-central'].sim, (orderId) => {
        // The same order the generic ERP holds, as BC would hold it.
        const { orders, contracts } = sims['generic-erp'].snapshot() as { orders: ErpOrder[]; contracts: CustomerContract[] };
        const order = orders.find((o) => o.orderId === orderId);
        if (!order) throw new Error(`the simulated ERP has no order ${orderId} to seed Business Central with`);
        const contract = contracts.find((c) => c.customerId === order.customerId);
        // The customer's VAT (BC's VAT posting setup; the generic ERP keeps it on the contract) prices the invoice.
        return { ...bcSeedFromErpOrder(order, contract ? bcContractRow(contract) : undefined, randomUUID), ...(contract ? { vatPercent: contract.taxRatePercent } : {}) };
      }),
  },
};
