/**
 * `npm run contracts`: the conformance report. For every vendor, the API operations the product calls (found by
 * driving our real clients) with the vendor contract's verdict on each request, and every documented webhook
 * example through our intake. Exits 1 when a request breaks a contract.
 */
import { checkVendor, formatConformance } from '../contracts/conformance';
import { PROBES } from '../contracts/probes/index';

const results = [];
for (const probe of PROBES) results.push(await checkVendor(probe));
console.log(formatConformance(results));
const broken = results.flatMap((r) => r.calls.filter((c) => c.errors.length > 0 || !c.operationId));
console.log(`\n${results.length} vendors, ${results.reduce((n, r) => n + r.calls.length, 0)} requests checked, ${broken.length} outside a contract.`);
process.exit(broken.length > 0 ? 1 : 0);
