#!/usr/bin/env node
import { ConfigError } from '../lib/config/stage-config';
import { buildApp } from '../lib/app';

try {
  buildApp().app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`logistics-sync: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
