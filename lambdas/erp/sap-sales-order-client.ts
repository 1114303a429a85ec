import { numberEnv, optionalEnv, requireEnv } from '../shared/env';
import { RejectedByTargetError, UpstreamUnavailableError } from '../shared/errors';
import { HttpJsonClient } from '../shared/outbound/http-client';
import { secretFieldsFromSecretsManager, type CredentialsSource } from '../shared/outbound/secrets';
import { ClientCredentialsToken, withBearer, type ClientCredentialsOptions, type ErpCredentials } from './erp-client';
import type { SalesOrderReader } from './inbound/sap-s4hana';

/** Service root of SAP's sales order OData V2 API (A2X), below the S/4HANA API host. */
export const SALES_ORDER_SERVICE_PATH = '/sap/opu/odata/sap/API_SALES_ORDER_SRV';

/** Navigation properties the read-back expands: items (lines, shipping point, plant) and partners (ship-to). */
export const SALES_ORDER_EXPAND = 'to_Item,to_Partner';

/**
 * OData V2 key predicate of a string key: `'<value>'` with `'` doubled (OData V2 URI conventions §2), then
 * percent-encoded as a path segment, e.g. `A_SalesOrder('1')`. Pure.
 */
export function odataStringKey(value: string): string {
  return encodeURIComponent(`'${value.replaceAll("'", "''")}'`);
}

/**
 * Reads sales orders from SAP S/4HANA's API_SALES_ORDER_SRV (OData V2), as contracts/sap-s4hana/openapi.json
 * describes: `GET {base}/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('<id>')?$expand=to_Item,to_Partner`
 * with `Accept: application/json`; the answer is the `{"d": {...}}` envelope. No `$select`: key-user custom
 * fields (YY1_*) exist only in tenants that created them, and a `$select` naming a property the service does
 * not have is refused with 400.
 *
 * Authentication: OAuth2 client credentials at the configured token URL (an SAP BTP service key's `url` +
 * `/oauth/token`), Bearer token on the API, refreshed once on 401. A 404 (no such sales order) is
 * RejectedByTarget: the read-back dead-letters it with the reason.
 */
export class SapSalesOrderClient implements SalesOrderReader {
  private readonly token: ClientCredentialsToken;

  constructor(
    private readonly http: HttpJsonClient,
    credentials: CredentialsSource<ErpCredentials>,
    options: ClientCredentialsOptions = {},
  ) {
    this.token = new ClientCredentialsToken(http, credentials, options);
  }

  async getSalesOrder(salesOrder: string): Promise<unknown> {
    let body: { d?: unknown } | undefined;
    try {
      ({ body } = await withBearer<{ d?: unknown }>(this.http, this.token, {
        method: 'GET',
        // In the path, not `query`: URLSearchParams would write `%24expand=to_Item%2Cto_Partner`, and OData
        // system query options are documented (and matched by some gateways) as the literal `$expand=a,b`.
        path: `${SALES_ORDER_SERVICE_PATH}/A_SalesOrder(${odataStringKey(salesOrder)})?$expand=${SALES_ORDER_EXPAND}`,
        headers: { accept: 'application/json' },
      }));
    } catch (error) {
      if (error instanceof RejectedByTargetError && error.status === 404) {
        throw new RejectedByTargetError(`sales order ${salesOrder} was not found in API_SALES_ORDER_SRV (404)`, 404, { cause: error, context: error.context });
      }
      throw error;
    }
    if (!body || typeof body.d !== 'object' || body.d === null) throw new UpstreamUnavailableError(`API_SALES_ORDER_SRV answered without the d envelope for sales order ${salesOrder}`);
    return body.d;
  }
}

/**
 * The sales order client for a Lambda: S/4HANA API host from `API_BASE_URL`, token endpoint from `TOKEN_URL`
 * (default `{API_BASE_URL}/oauth/token`), credentials from the JSON secret named by `SECRET_NAME` (`clientId`,
 * `clientSecret`, optional `scope`), request timeout from `HTTP_TIMEOUT_MS`.
 */
export function createSapSalesOrderClientFromEnv(): SapSalesOrderClient {
  const secretName = requireEnv('SECRET_NAME');
  const http = new HttpJsonClient({ target: 'SAP S/4HANA', baseUrl: requireEnv('API_BASE_URL'), timeoutMs: numberEnv('HTTP_TIMEOUT_MS') });
  const tokenUrl = optionalEnv('TOKEN_URL');
  return new SapSalesOrderClient(http, secretFieldsFromSecretsManager(secretName, ['clientId', 'clientSecret'], ['scope']), tokenUrl ? { tokenUrl } : {});
}
