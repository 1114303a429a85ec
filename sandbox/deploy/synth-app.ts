// Synthesizes the product app for the sandbox in its own process (run by synthesizeProduct below, like the
// CDK CLI runs an app): bundling output stays out of the sandbox's console, and the sandbox's event loop
// stays free while the CPU-bound synthesis runs. Input: one JSON argument { context, outdir }.
import { buildApp } from '../../lib/app';

const { context, outdir } = JSON.parse(process.argv[2] ?? '{}') as { context: Record<string, unknown>; outdir: string };
buildApp({ context, outdir }).app.synth();
