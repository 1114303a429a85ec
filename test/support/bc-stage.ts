/**
 * A Business Central stage for tests: the dev stage with `systems.erp.vendor: business-central` and the settings
 * it needs (lib/config/stage-config.ts businessCentralProblems), as `configOverrides` context.
 */
export const BC_COMPANY_ID = '5f2a6c1e-3b7d-4e8f-9a0b-1c2d3e4f5a6b';

export const BC_STAGE_OVERRIDES = {
  systems: {
    erp: {
      vendor: 'business-central',
      apiBaseUrl: 'https://api.businesscentral.dynamics.com/v2.0/contoso.onmicrosoft.com/production',
      tokenUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
      businessCentral: { companyId: BC_COMPANY_ID, shipFromLocation: 'DC-ATL' },
    },
  },
} as const;
